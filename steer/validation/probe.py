"""Held-out probe accuracy: vectors from training topics classify stories of unseen topics."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from steer.errors import SteerError
from steer.extraction.denoise import NeutralSubspace
from steer.extraction.pipeline import centred, emotion_means


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


def held_out_accuracy(
    means: torch.Tensor,
    labels: Sequence[str],
    topics: Sequence[str],
    emotions: Sequence[str],
    subspace: NeutralSubspace,
    split: TopicSplit,
) -> list[dict[str, Any]]:
    """Per layer: top-1 and top-3 accuracy of nearest-vector (cosine) classification.

    Vectors are built on the training topics exactly as in extraction (mean per emotion,
    centred, neutral components removed); a test story's mean is centred on the training
    emotion means' average and denoised the same way before comparing.
    """
    train = [i for i, t in enumerate(topics) if t in split.train]
    test = [i for i, t in enumerate(topics) if t in split.test]
    raw = emotion_means(means[train], [labels[i] for i in train], emotions)
    vectors = subspace.project_out(centred(raw))
    queries = subspace.project_out(means[test] - raw.mean(dim=0, keepdim=True))
    truth = torch.tensor([emotions.index(labels[i]) for i in test])
    k = min(3, len(emotions))
    results = []
    for layer in range(means.shape[1]):
        unit_vectors = torch.nn.functional.normalize(vectors[:, layer], dim=-1)
        unit_queries = torch.nn.functional.normalize(queries[:, layer], dim=-1)
        ranked = (unit_queries @ unit_vectors.T).argsort(dim=-1, descending=True)
        top1 = (ranked[:, 0] == truth).float().mean().item()
        topk = (ranked[:, :k] == truth.unsqueeze(1)).any(dim=1).float().mean().item()
        results.append({"layer": layer, "top1": round(top1, 4), "top3": round(topk, 4)})
    return results
