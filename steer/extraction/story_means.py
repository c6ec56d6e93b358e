"""Per-story mean activations at every layer, cached per emotion so extraction resumes."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from steer.activations import SHORT_TEXT_RULE, TokenWindow, text_activations
from steer.choices import Site
from steer.hooks import HookRef
from steer.models.cache import cache_root
from steer.models.loaded import LoadedModel
from steer.progress import progress
from steer.resources import content_hash
from steer.stimuli.story import Story

log = logging.getLogger(__name__)
CACHE_VERSION = 2  # bump when the way story means are computed changes


def activation_cache_dir(model: LoadedModel, site: Site, window: TokenWindow) -> Path:
    return cache_root() / "activations" / f"{model.weights_hash[:16]}-{site.value}-{window.start}"


def story_means(
    model: LoadedModel,
    stories: Sequence[Story],
    site: Site,
    window: TokenWindow,
    batch_size: int,
) -> torch.Tensor:
    """[n_stories, n_layers, d_model], in the order of ``stories``.

    The means of each emotion's texts from one source are saved under the cache as soon as
    they are computed (keyed by the model, hook site, start token and those texts), so an
    interrupted extraction redoes at most one emotion, and adding a source (register texts,
    more stories) reads only the new texts.
    """
    refs = [HookRef(layer, site) for layer in range(model.n_layers)]
    folder = activation_cache_dir(model, site, window)
    folder.mkdir(parents=True, exist_ok=True)
    result = torch.zeros(len(stories), model.n_layers, model.d_model)
    emotions = list(dict.fromkeys(s.emotion for s in stories))
    for emotion in progress(emotions, desc="extracting", unit="emotion", logger=log):
        sources = dict.fromkeys(s.source for s in stories if s.emotion == emotion)
        for source in sources:
            indices = [
                i for i, s in enumerate(stories) if s.emotion == emotion and s.source == source
            ]
            result[indices] = _cached_means(model, [stories[i] for i in indices], refs, window,
                                            batch_size, folder)  # fmt: skip
    return result


def _cached_means(
    model: LoadedModel,
    stories: Sequence[Story],
    refs: Sequence[HookRef],
    window: TokenWindow,
    batch_size: int,
    folder: Path,
) -> torch.Tensor:
    emotion = stories[0].emotion
    ids = [model.formatter.text_ids(s.text) for s in stories]
    key = content_hash([ids, SHORT_TEXT_RULE, CACHE_VERSION])
    path = folder / f"{emotion}-{key}.safetensors"
    if path.is_file():
        return load_file(str(path))["means"]
    means = text_activations(model, ids, list(refs), window, batch_size, emotion).means
    scratch = path.with_suffix(".tmp")
    save_file({"means": means.contiguous()}, str(scratch))
    scratch.replace(path)
    return means
