"""From stories to an emotion vector bank, following the paper step by step."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from steer import __version__
from steer.activations import SHORT_TEXT_RULE, TokenWindow, token_moments
from steer.choices import Site
from steer.errors import SteerError
from steer.extraction.denoise import NeutralSubspace, top_components
from steer.extraction.story_means import activation_cache_dir, story_means
from steer.extraction.within import (
    texts_per_emotion,
    weighted_emotion_means,
    with_within_emotion_components,
)
from steer.hooks import HookRef, hook_name_pattern
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.resources import content_hash
from steer.stimuli.story import SHIPPED_SOURCES, Story
from steer.vectors.norms import default_layer, layer_norms
from steer.vectors.vector_set import VectorSet


@dataclass(frozen=True)
class ExtractionSettings:
    start_token: int = 50
    denoise_fraction: float = 0.5
    site: Site = Site.resid_post
    batch_size: int = 8
    # (source, weight) pairs: a text of that source counts `weight` stories in its emotion's mean
    source_weights: tuple[tuple[str, float], ...] = ()
    within_components: int = 0

    def __post_init__(self) -> None:
        if self.start_token < 1:
            raise SteerError(
                f"vectors.start_token={self.start_token} would read the BOS token or padding",
                "use 1 or more (the paper uses 50)",
            )
        if not 0 <= self.denoise_fraction < 1:
            raise SteerError(
                f"vectors.denoise_fraction={self.denoise_fraction} is outside [0, 1)",
                "use e.g. 0.5 (the paper), or 0 to skip denoising",
            )
        if self.batch_size < 1:
            raise SteerError("vectors.batch_size must be at least 1", "use e.g. 8")
        if self.within_components < 0:
            raise SteerError(
                f"vectors.within_components={self.within_components} is negative",
                "use 0 (neutral denoising only) or a small count such as 5",
            )
        for source, weight in self.source_weights:
            if not math.isfinite(weight) or weight <= 0:
                raise SteerError(
                    f"vectors.source_weights.{source}={weight} is not a positive number",
                    "give each source a weight above 0 (1 counts its texts like stories)",
                )

    def text_weights(self, stories: Sequence[Story]) -> torch.Tensor:
        """Each text's weight in its emotion's mean (1 unless its source is weighted)."""
        sources = {s.source for s in stories} | set(SHIPPED_SOURCES)
        for source, _ in self.source_weights:
            if source not in sources:
                raise SteerError(
                    f"vectors.source_weights names {source!r}, which is no source of these stimuli",
                    f"use one of {', '.join(sorted(sources))}",
                )
        weights = dict(self.source_weights)
        return torch.tensor([weights.get(s.source, 1.0) for s in stories], dtype=torch.float64)


def emotion_means(
    means: torch.Tensor, labels: Sequence[str], emotions: Sequence[str]
) -> torch.Tensor:
    """Mean of the story means per emotion: [n_emotions, n_layers, d_model]."""
    return torch.stack([means[picked].mean(0) for picked in texts_per_emotion(labels, emotions)])


def centred(vectors: torch.Tensor) -> torch.Tensor:
    """Subtract the mean across emotions (dimension 0)."""
    return vectors - vectors.mean(dim=0, keepdim=True)


def neutral_statistics(
    model: LoadedModel,
    dialogues: Sequence[Sequence[Message]],
    settings: ExtractionSettings,
) -> tuple[torch.Tensor, torch.Tensor, dict[str, Any]]:
    """Token mean [n_layers, d] and covariance [n_layers, d, d] of neutral dialogues (cached)."""
    ids = [model.formatter.chat_ids(list(d), add_generation_prompt=False) for d in dialogues]
    note: dict[str, Any] = {"n_texts": len(ids), "texts_hash": content_hash(ids)}
    window = TokenWindow(start=1)
    folder = activation_cache_dir(model, settings.site, window)
    path = folder / f"neutral-moments-{note['texts_hash']}.safetensors"
    if path.is_file():
        stored = load_file(str(path))
        return stored["mean"], stored["cov"], note
    refs = [HookRef(layer, settings.site) for layer in range(model.n_layers)]
    moments = token_moments(model, ids, refs, window, settings.batch_size, "neutral texts")
    mean, cov = moments.covariance()
    folder.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    save_file({"mean": mean.float().contiguous(), "cov": cov.float().contiguous()}, str(scratch))
    scratch.replace(path)
    return mean.float(), cov.float(), note


@dataclass
class Extraction:
    """A bank and what validation needs: per-story means and labels, the removed subspace."""

    bank: VectorSet
    story_means: torch.Tensor
    stories: list[Story]
    subspace: NeutralSubspace  # neutral components and any within-emotion ones: what was removed
    neutral: NeutralSubspace
    text_weights: torch.Tensor
    within_components: int


def extract(
    model: LoadedModel,
    stories: Sequence[Story],
    neutral: Sequence[Sequence[Message]],
    emotions: Sequence[str],
    settings: ExtractionSettings,
    stimuli_name: str,
    model_config: dict[str, Any] | None = None,
) -> Extraction:
    window = TokenWindow(start=settings.start_token)
    means = story_means(model, stories, settings.site, window, settings.batch_size)
    labels = [s.emotion for s in stories]
    weights = settings.text_weights(stories)
    raw = weighted_emotion_means(means, labels, emotions, weights)
    _, neutral_cov, neutral_note = neutral_statistics(model, neutral, settings)
    neutral_part = top_components(neutral_cov, settings.denoise_fraction)
    subspace = with_within_emotion_components(
        neutral_part, means, labels, raw, emotions, settings.within_components
    )
    vectors = subspace.project_out(centred(raw))
    norms, norm_note = layer_norms(model, settings.site, settings.batch_size)
    counts = {e: labels.count(e) for e in emotions}
    provenance: dict[str, Any] = {
        "method": "mean over story tokens from start_token, (weighted) mean per emotion, "
        "centred across emotions, top neutral principal components (and any within-emotion "
        "ones) projected out",
        "reference_mean": "the mean of the emotion means (the point the vectors are centred "
        "on); readouts subtract it",
        "model_id": model.model_id,
        "weights_hash": model.weights_hash,
        "model_config": model_config,
        "hook_site": settings.site.value,
        "hook_names": hook_name_pattern(settings.site),
        "layers": list(range(model.n_layers)),
        "start_token": settings.start_token,
        "short_text_rule": SHORT_TEXT_RULE,
        "stimuli": {
            "name": stimuli_name,
            "texts_hash": content_hash([[s.emotion, s.topic, s.text] for s in stories]),
            "stories_per_emotion": counts,
            "source_weights": {
                k: w for k, w in settings.source_weights if any(s.source == k for s in stories)
            },
        },
        "denoising": {
            "neutral_set": neutral_note,
            "variance_fraction": settings.denoise_fraction,
            "components_removed_per_layer": neutral_part.removed,
            "variance_explained_per_layer": [round(x, 4) for x in neutral_part.explained],
            "within_emotion_components": settings.within_components,
        },
        "layer_norms": {**norm_note, "values": [round(float(x), 4) for x in norms]},
        "steer_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    bank = VectorSet(
        names=list(emotions),
        vectors=vectors,
        layer_norms=norms,
        site=settings.site,
        default_layer=default_layer(model.n_layers),
        provenance=provenance,
        reference_mean=raw.mean(dim=0),
    )
    return Extraction(
        bank=bank,
        story_means=means,
        stories=list(stories),
        subspace=subspace,
        neutral=neutral_part,
        text_weights=weights,
        within_components=settings.within_components,
    )
