"""Contrast vectors (CAA / ActAdd): mean activation on positive texts minus negative texts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from steer import __version__
from steer.activations import TokenWindow, text_activations
from steer.choices import Site
from steer.errors import SteerError
from steer.hooks import HookRef, hook_name_pattern
from steer.models.loaded import LoadedModel
from steer.resources import content_hash
from steer.vectors.norms import default_layer, layer_norms
from steer.vectors.vector_set import VectorSet


def build_contrast(
    model: LoadedModel,
    name: str,
    positive: Sequence[str],
    negative: Sequence[str],
    site: Site | str = Site.resid_post,
    start_token: int = 1,
    batch_size: int = 8,
    reference_limit: int | None = None,
) -> VectorSet:
    """One vector at every layer: mean over texts of each text's token mean, positive minus
    negative. Texts are read as plain text with the model's BOS; ``start_token`` skips BOS."""
    if not positive or not negative:
        raise SteerError(
            "a contrast vector needs at least one positive and one negative text",
            "fill vectors.positive and vectors.negative",
        )
    hook_site = Site(site)
    refs = [HookRef(layer, hook_site) for layer in range(model.n_layers)]
    texts = [model.formatter.text_ids(text) for text in [*positive, *negative]]
    window = TokenWindow(start=start_token)
    means = text_activations(model, texts, refs, window, batch_size, f"contrast {name}").means
    difference = means[: len(positive)].mean(dim=0) - means[len(positive) :].mean(dim=0)
    norms, norm_note = layer_norms(model, hook_site, batch_size, reference_limit)
    provenance = {
        "method": "contrast: mean(positive) - mean(negative) of per-text token means",
        "model_id": model.model_id,
        "weights_hash": model.weights_hash,
        "hook_site": hook_site.value,
        "hook_names": hook_name_pattern(hook_site),
        "start_token": start_token,
        "stimuli": {
            "n_positive": len(positive),
            "n_negative": len(negative),
            "texts_hash": content_hash([list(positive), list(negative)]),
        },
        "layer_norms": norm_note,
        "steer_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    return VectorSet(
        names=[name],
        vectors=difference.unsqueeze(0),
        layer_norms=norms,
        site=hook_site,
        default_layer=default_layer(model.n_layers),
        provenance=provenance,
    )
