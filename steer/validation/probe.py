"""Held-out probe accuracy: vectors from training topics classify stories of unseen topics."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from steer.errors import SteerError
from steer.extraction.denoise import NeutralSubspace
from steer.extraction.pipeline import centred
from steer.extraction.within import weighted_emotion_means, with_within_emotion_components


@dataclass(frozen=True)
class TopicSplit:
    train: tuple[str, ...]
    test: tuple[str, ...]


def split_topics(topics: Sequence[str], test_fraction: float, seed: int) -> TopicSplit:
    unique = sorted(set(topics))
    if len(unique) < 2:
        raise SteerError(
            "the held-out probe needs stories on at least two topics",
            "use stimuli with several topics (the shipped ones have ten)",
        )
    shuffled = unique[:]
    random.Random(seed).shuffle(shuffled)
    n_test = min(len(unique) - 1, max(1, round(test_fraction * len(unique))))
    return TopicSplit(train=tuple(sorted(shuffled[n_test:])), test=tuple(sorted(shuffled[:n_test])))


@dataclass(frozen=True)
class ProbeResult:
    """Held-out probe: per layer, the rank of each test text's true emotion (0 = first)."""

    test_rows: list[int]
    true_rank: torch.Tensor  # [n_layers, n_test]
    k: int

    def by_layer(self) -> list[dict[str, Any]]:
        every = range(len(self.test_rows))
        return [
            {"layer": layer} | self._accuracy(layer, every) for layer in range(len(self.true_rank))
        ]

    def by_source(self, sources: Sequence[str], layer: int) -> dict[str, dict[str, Any]]:
        """Accuracy at ``layer`` per source of the test texts (``sources`` per stimulus)."""
        names = dict.fromkeys(sources[i] for i in self.test_rows)
        return {
            name: self._accuracy(
                layer, [j for j, i in enumerate(self.test_rows) if sources[i] == name]
            )
            for name in names
        }

    def _accuracy(self, layer: int, columns: Sequence[int]) -> dict[str, Any]:
        ranks = self.true_rank[layer, list(columns)]
        return {
            "top1": round((ranks == 0).float().mean().item(), 4),
            "top3": round((ranks < self.k).float().mean().item(), 4),
            "n": len(ranks),
        }


def held_out_probe(
    means: torch.Tensor,
    labels: Sequence[str],
    topics: Sequence[str],
    emotions: Sequence[str],
    neutral: NeutralSubspace,
    split: TopicSplit,
    weights: torch.Tensor | None = None,
    within_components: int = 0,
    scored_only: Sequence[bool] | None = None,
) -> ProbeResult:
    """Nearest-vector (cosine) classification of the held-out topics' texts, at every layer.

    Vectors are built on the training topics exactly as in extraction (weighted mean per
    emotion, centred, neutral components and any within-emotion ones removed, the latter found
    on the training texts only); a test text's mean is centred on the training emotion means'
    average and denoised the same way before comparing. Texts marked ``scored_only`` never
    train, on any topic (to score texts of another kind against vectors built without them).
    """
    outside = [False] * len(topics) if scored_only is None else scored_only
    train = [i for i, t in enumerate(topics) if t in split.train and not outside[i]]
    test = [i for i, t in enumerate(topics) if t in split.test]
    weights = torch.ones(len(labels), dtype=torch.float64) if weights is None else weights
    train_labels = [labels[i] for i in train]
    raw = weighted_emotion_means(means[train], train_labels, emotions, weights[train])
    subspace = with_within_emotion_components(
        neutral, means[train], train_labels, raw, emotions, within_components
    )
    vectors = subspace.project_out(centred(raw))
    queries = subspace.project_out(means[test] - raw.mean(dim=0, keepdim=True))
    truth = torch.tensor([emotions.index(labels[i]) for i in test])
    ranks = []
    for layer in range(means.shape[1]):
        unit_vectors = torch.nn.functional.normalize(vectors[:, layer], dim=-1)
        unit_queries = torch.nn.functional.normalize(queries[:, layer], dim=-1)
        ranked = (unit_queries @ unit_vectors.T).argsort(dim=-1, descending=True)
        ranks.append((ranked == truth.unsqueeze(1)).int().argmax(dim=1))
    return ProbeResult(test, torch.stack(ranks), min(3, len(emotions)))


def held_out_accuracy(
    means: torch.Tensor,
    labels: Sequence[str],
    topics: Sequence[str],
    emotions: Sequence[str],
    subspace: NeutralSubspace,
    split: TopicSplit,
) -> list[dict[str, Any]]:
    """Per layer: top-1 and top-3 accuracy of the held-out probe with unweighted means."""
    return held_out_probe(means, labels, topics, emotions, subspace, split).by_layer()
