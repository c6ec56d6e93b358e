"""k-means clusters of emotion vectors (the paper: k = 10 over 171 emotions) and their silhouette.

Vectors are unit-normalised first, so the Euclidean k-means of scipy groups them by direction.
Restarts are seeded and the lowest-inertia one is kept; clusters are then numbered by size (ties
by their first member), so the same vectors always give the same clusters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.vq import ClusterError, kmeans2

__all__ = [
    "Clustering",
    "cluster_summary",
    "clusters_line",
    "default_k",
    "kmeans",
    "silhouette",
]

RESTARTS = 50
METHOD = (
    "k-means (scipy kmeans2, k-means++ init) on unit-normalised vectors at the default layer; "
    "lowest inertia of {restarts} seeded restarts; members ordered from most to least central "
    "(cosine to the cluster's mean direction)"
)


@dataclass(frozen=True)
class Clustering:
    unit: np.ndarray  # [n, d] the unit-normalised rows that were clustered
    labels: np.ndarray  # [n] cluster index per row; cluster 0 is the largest
    centroids: np.ndarray  # [k, d]
    inertia: float  # sum of squared distances to the assigned centroid

    @property
    def k(self) -> int:
        return len(self.centroids)

    def members(self) -> list[list[int]]:
        """Row indices of each cluster, most central first (cosine to its mean direction)."""
        result = []
        for c in range(self.k):
            rows = np.flatnonzero(self.labels == c)
            direction = self.centroids[c] / max(float(np.linalg.norm(self.centroids[c])), 1e-12)
            closeness = self.unit[rows] @ direction
            result.append([int(rows[i]) for i in np.argsort(-closeness, kind="stable")])
        return result


def default_k(n: int) -> int:
    """The number of clusters when none is configured: n // 4, between 2 and 10."""
    return min(10, max(2, n // 4))


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: np.ndarray = vectors / np.maximum(norms, 1e-12)
    return result


def kmeans(
    vectors: np.ndarray, k: int, seed: int = 0, restarts: int = RESTARTS, iterations: int = 20
) -> Clustering:
    """k-means of the unit-normalised rows of ``vectors`` [n, d], best of ``restarts``."""
    unit = _unit(np.asarray(vectors, dtype=np.float64))
    if not 1 <= k <= len(unit):
        raise ValueError(f"k = {k} needs 1 to {len(unit)} clusters")
    # The rows span at most n dimensions: coordinates in that span (from the Gram matrix) keep
    # every distance and make each iteration n / d as costly (d is in the thousands).
    gram_values, gram_vectors = np.linalg.eigh(unit @ unit.T)
    rotated = (
        gram_vectors * np.sqrt(np.clip(gram_values, 0.0, None))
        if len(unit) < unit.shape[1]
        else unit
    )
    best: tuple[float, np.ndarray] | None = None
    for restart in range(restarts):
        try:
            _, labels = kmeans2(
                rotated,
                k,
                iter=iterations,
                minit="++",
                missing="raise",
                rng=seed * 1000 + restart,
            )
        except ClusterError:  # an empty cluster: this start is discarded
            continue
        inertia = _inertia(unit, labels, k)
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels)
    if best is None:
        raise ValueError(f"k-means found no start without empty clusters (k = {k})")
    labels = _renumber(best[1], k)
    centroids = np.stack([unit[labels == c].mean(axis=0) for c in range(k)])
    return Clustering(unit=unit, labels=labels, centroids=centroids, inertia=best[0])


def _inertia(unit: np.ndarray, labels: np.ndarray, k: int) -> float:
    total = 0.0
    for c in range(k):
        rows = unit[labels == c]
        total += float(((rows - rows.mean(axis=0)) ** 2).sum())
    return total


def _renumber(labels: np.ndarray, k: int) -> np.ndarray:
    """Cluster 0 is the largest; equal sizes are ordered by their first row."""
    first = {c: int(np.flatnonzero(labels == c)[0]) for c in range(k)}
    order = sorted(range(k), key=lambda c: (-int((labels == c).sum()), first[c]))
    mapping = np.empty(k, dtype=np.int64)
    mapping[order] = np.arange(k)
    result: np.ndarray = mapping[labels]
    return result


def silhouette(vectors: np.ndarray, labels: np.ndarray) -> float | None:
    """Mean silhouette with cosine distance; None unless 2 <= k <= n - 1.

    A point alone in its cluster scores 0 (the usual convention).
    """
    unit = _unit(np.asarray(vectors, dtype=np.float64))
    clusters = np.unique(labels)
    if not 2 <= len(clusters) <= len(unit) - 1:
        return None
    distance = 1.0 - unit @ unit.T
    scores = np.zeros(len(unit))
    for i in range(len(unit)):
        own = labels == labels[i]
        if own.sum() == 1:
            continue
        a = distance[i, own].sum() / (own.sum() - 1)  # the zero self-distance is in the sum
        b = min(distance[i, labels == c].mean() for c in clusters if c != labels[i])
        scores[i] = (b - a) / max(a, b) if max(a, b) > 0 else 0.0
    return float(scores.mean())


def cluster_summary(
    vectors: np.ndarray,
    names: Sequence[str],
    valence: Mapping[str, float],
    arousal: Mapping[str, float],
    k: int | None,
    seed: int = 0,
    restarts: int = RESTARTS,
) -> tuple[dict[str, Any], Clustering | None]:
    """The ``clusters`` entry of validation.json, and the clustering (None when skipped)."""
    n = len(names)
    if n < 3:
        return {"k": None, "note": f"skipped: {n} emotions are too few to cluster"}, None
    chosen = default_k(n) if k is None else k
    used = min(max(chosen, 2), n - 1)
    try:
        clustering = kmeans(vectors, used, seed=seed, restarts=restarts)
    except ValueError as error:  # every start left a cluster empty (near-identical vectors)
        return {"k": None, "note": f"skipped: {error}"}, None
    members = [[names[i] for i in rows] for rows in clustering.members()]
    result: dict[str, Any] = {
        "k": used,
        "method": METHOD.format(restarts=restarts),
        "seed": seed,
        "sizes": [len(m) for m in members],
        "members": members,
        "mean_valence": [_mean_rating(m, valence) for m in members],
        "mean_arousal": [_mean_rating(m, arousal) for m in members],
        "silhouette": _round(silhouette(vectors, clustering.labels)),
        "silhouette_distance": "cosine",
        "paper": {"k": 10, "n_emotions": 171},
    }
    if used != chosen:
        result["note"] = f"k = {chosen} was asked for; {used} is the most {n} emotions allow"
    return result, clustering


def _mean_rating(words: Sequence[str], ratings: Mapping[str, float]) -> float | None:
    rated = [ratings[w] for w in words if w in ratings]
    return round(float(np.mean(rated)), 3) if rated else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def clusters_line(clusters: Mapping[str, Any]) -> str:
    """One line for the terminal: each cluster's size and its two most central members."""
    if clusters["k"] is None:
        return f"clusters: {clusters['note']}"
    groups = "; ".join(f"{len(m)} {'/'.join(m[:2])}" for m in clusters["members"])
    return f"{clusters['k']} k-means clusters (silhouette {clusters['silhouette']}): {groups}"
