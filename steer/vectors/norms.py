"""Per-layer mean residual-stream norms on a reference text set: the ``norm`` strength unit.

Measured once per (weights, hook site, reference texts) and cached, since every vector set of
a model shares them.
"""

from __future__ import annotations

import json

import torch

from steer.activations import TokenWindow, text_activations
from steer.choices import Site
from steer.hooks import HookRef
from steer.json_files import write_json
from steer.models.cache import cache_root
from steer.models.loaded import LoadedModel
from steer.resources import content_hash, neutral_dialogues

DEFAULT_REFERENCE_LIMIT = 48


def reference_ids(model: LoadedModel, limit: int | None) -> list[list[int]]:
    dialogues = neutral_dialogues()[:limit] if limit else neutral_dialogues()
    return [
        model.formatter.chat_ids(list(turns), add_generation_prompt=False) for turns in dialogues
    ]


def layer_norms(
    model: LoadedModel,
    site: Site,
    batch_size: int = 8,
    limit: int | None = DEFAULT_REFERENCE_LIMIT,
) -> tuple[torch.Tensor, dict[str, object]]:
    """Mean token norm (BOS excluded) at every layer, and a note of what it was measured on."""
    texts = reference_ids(model, limit)
    note: dict[str, object] = {
        "reference_set": "shipped neutral dialogues (chat template, BOS excluded)",
        "n_texts": len(texts),
        "texts_hash": content_hash(texts),
    }
    cached = (
        cache_root() / "norms" / f"{model.weights_hash[:16]}-{site.value}-{note['texts_hash']}.json"
    )
    if cached.is_file():
        return torch.tensor(json.loads(cached.read_text())["norms"]), note
    refs = [HookRef(layer, site) for layer in range(model.n_layers)]
    stats = text_activations(
        model, texts, refs, TokenWindow(start=1), batch_size, "measuring layer norms"
    )
    norms = stats.norms.mean(dim=0)
    cached.parent.mkdir(parents=True, exist_ok=True)
    write_json(cached, {"norms": norms.tolist(), **note})
    return norms, note


def default_layer(n_layers: int) -> int:
    """About two thirds of the way through the model, as in the paper."""
    return min(n_layers - 1, round(2 * n_layers / 3))
