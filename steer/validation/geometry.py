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
    """PCA of [n_emotions, d] vectors (centred across emotions first).

    Computed from the [n, n] Gram matrix (n emotions is far below d): the same scores as an
    SVD, without LAPACK's threaded SVD, which takes seconds per layer on a busy CPU. Each
    component is oriented so that its largest score is positive.
    """
    matrix = vectors.double().numpy()
    matrix = matrix - matrix.mean(axis=0, keepdims=True)
    variance, basis = np.linalg.eigh(matrix @ matrix.T)
    variance, basis = np.clip(variance[::-1], 0.0, None), basis[:, ::-1]
    k = min(n_components, len(variance))
    scores = basis[:, :k] * np.sqrt(variance[:k])
    scores *= np.where(scores[np.abs(scores).argmax(axis=0), range(k)] < 0, -1.0, 1.0)
    return Pca(scores=scores, explained=variance[:k] / max(float(variance.sum()), 1e-300))


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


# Per layer: |r| of a principal component with a rating, and variance explained.
GEOMETRY_KEYS = ("pc1_valence", "pc2_arousal", "pc2_valence", "pc1_arousal")


def geometry_by_layer(
    vectors: torch.Tensor,
    names: Sequence[str],
    valence: Mapping[str, float],
    arousal: Mapping[str, float],
) -> dict[str, list[float | None]]:
    """For every layer of [n_emotions, n_layers, d] vectors: the |r| of PC1 and PC2 with
    valence and arousal (None when too few words are rated) and PC1's and PC2's share of
    the variance."""
    ratings = {"valence": valence, "arousal": arousal}
    result: dict[str, list[float | None]] = {
        key: [] for key in (*GEOMETRY_KEYS, "pc1_variance", "pc2_variance")
    }
    for layer in range(vectors.shape[1]):
        components = pca(vectors[:, layer])
        for key in GEOMETRY_KEYS:
            component, rating = key.split("_")
            index = int(component[2:]) - 1
            r = (
                correlation(components.scores[:, index], names, ratings[rating])["r"]
                if index < components.scores.shape[1]
                else None
            )
            result[key].append(r)
        for index in (0, 1):
            share = components.explained[index] if index < len(components.explained) else None
            result[f"pc{index + 1}_variance"].append(
                None if share is None else round(float(share), 4)
            )
    return result


def best_layer(values: Sequence[float | None]) -> int | None:
    """The layer with the highest value (the first on ties); None if no layer has one."""
    scored = [(v, -i) for i, v in enumerate(values) if v is not None]
    return -max(scored)[1] if scored else None
