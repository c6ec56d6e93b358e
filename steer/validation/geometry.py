"""PCA of emotion vectors and its correlation with word ratings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy import stats
from scipy.cluster.hierarchy import leaves_list, linkage


@dataclass(frozen=True)
class Pca:
    scores: np.ndarray  # [n_emotions, n_components]
    explained: np.ndarray  # variance ratio per component


def pca(vectors: torch.Tensor, n_components: int = 5) -> Pca:
    """PCA of [n_emotions, d] vectors (centred across emotions first)."""
    matrix = vectors.double().numpy()
    matrix = matrix - matrix.mean(axis=0, keepdims=True)
    u, s, _ = np.linalg.svd(matrix, full_matrices=False)
    variance = s**2
    k = min(n_components, len(s))
    return Pca(scores=u[:, :k] * s[:k], explained=variance[:k] / variance.sum())


def correlation(
    scores: np.ndarray, names: Sequence[str], ratings: Mapping[str, float]
) -> dict[str, Any]:
    """Pearson r between component scores and ratings over the words that have a rating.

    A principal component's sign is arbitrary; ``r`` is reported for the orientation in which
    it is positive, and ``sign`` says whether the component was flipped for that.
    """
    matched = [i for i, name in enumerate(names) if name in ratings]
    result: dict[str, Any] = {"n_words": len(matched), "words": [names[i] for i in matched]}
    if len(matched) < 3:
        return {**result, "r": None, "p_value": None, "sign": None}
    x = scores[matched]
    y = np.array([ratings[names[i]] for i in matched])
    if np.std(x) == 0 or np.std(y) == 0:
        return {**result, "r": None, "p_value": None, "sign": None, "note": "constant input"}
    r, p = stats.pearsonr(x, y)
    return {
        **result,
        "r": round(abs(float(r)), 4),
        "p_value": float(p),
        "sign": 1 if r >= 0 else -1,
    }


def cosine_matrix(vectors: torch.Tensor) -> np.ndarray:
    unit = torch.nn.functional.normalize(vectors.double(), dim=-1)
    result: np.ndarray = (unit @ unit.T).numpy()
    return result


def cluster_order(similarity: np.ndarray) -> list[int]:
    """A hierarchical-clustering (average linkage on 1 - cosine) order of the rows."""
    if len(similarity) < 3:
        return list(range(len(similarity)))
    distance = 1.0 - similarity[np.triu_indices(len(similarity), k=1)]
    return [int(i) for i in leaves_list(linkage(np.clip(distance, 0, None), method="average"))]
