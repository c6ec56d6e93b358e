"""Denoising against the stimuli's own scatter: what varies between texts of one emotion.

The paper projects out the top principal components of neutral text, directions that carry no
emotion. The training texts themselves offer a second such set: the directions along which
texts of the *same* emotion differ most (topic, narrator, writer, length, kind of writing).
Removing the top few of those as well keeps the vectors from reading the style of the texts
they were built on (experiments/emotion_geometry, "Denoising against the texts' own scatter").
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from steer.errors import SteerError
from steer.extraction.denoise import NeutralSubspace

# singular values below this share of the largest are numerical noise, not directions
RANK_TOLERANCE = 1e-6


def weighted_emotion_means(
    means: torch.Tensor,
    labels: Sequence[str],
    emotions: Sequence[str],
    weights: torch.Tensor,
) -> torch.Tensor:
    """Weighted mean of the text means per emotion: [n_emotions, n_layers, d_model]."""
    rows = []
    for picked in texts_per_emotion(labels, emotions):
        w = weights[picked].to(means.dtype)
        rows.append((means[picked] * w[:, None, None]).sum(0) / w.sum())
    return torch.stack(rows)


def texts_per_emotion(labels: Sequence[str], emotions: Sequence[str]) -> list[list[int]]:
    """The indices of each emotion's texts, in ``emotions`` order; refuses an emotion without
    any."""
    empty = [e for e in emotions if e not in labels]
    if empty:
        raise SteerError(
            f"no stories for {', '.join(empty)}",
            "drop these emotions or give them stories (self-generated slots can all fail)",
        )
    return [[i for i, label in enumerate(labels) if label == e] for e in emotions]


def with_within_emotion_components(
    neutral: NeutralSubspace,
    means: torch.Tensor,
    labels: Sequence[str],
    emotion_means: torch.Tensor,
    emotions: Sequence[str],
    n_components: int,
) -> NeutralSubspace:
    """``neutral`` plus, per layer, the top ``n_components`` principal components of the text
    means' deviations from their emotion's mean (after the neutral components are removed;
    fewer where the deviations span fewer directions). Every text counts once in the scatter,
    whatever its weight in the means.

    ``means`` [n_texts, n_layers, d] and ``emotion_means`` [n_emotions, n_layers, d] must come
    from the same texts, so a held-out probe passes its training texts only.
    """
    if n_components == 0:
        return neutral
    own = torch.tensor([emotions.index(label) for label in labels])
    deviations = neutral.project_out(means.float() - emotion_means.float()[own])
    components = []
    for layer, basis in enumerate(neutral.components):
        scatter = deviations[:, layer].double()
        scatter = scatter - scatter.mean(dim=0, keepdim=True)
        _, values, right = torch.linalg.svd(scatter, full_matrices=False)
        rank = int((values > RANK_TOLERANCE * values.max()).sum()) if values.numel() else 0
        within = right[: min(n_components, rank)].T
        both, _ = torch.linalg.qr(torch.cat([basis.double(), within], dim=1))
        components.append(both.float())
    return NeutralSubspace(tuple(components), neutral.explained, neutral.fraction)
