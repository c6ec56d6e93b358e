"""k-means clusters, silhouette, per-layer geometry and their figures, on synthetic vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from steer.validation import plots
from steer.validation.clusters import (
    cluster_summary,
    clusters_line,
    default_k,
    kmeans,
    silhouette,
)
from steer.validation.geometry import best_layer, geometry_by_layer, pca
from steer.validation.report import PAPER


def planted(
    n_clusters: int = 4, size: int = 6, d: int = 32, noise: float = 0.05, seed: int = 0
) -> tuple[np.ndarray, list[int]]:
    """Rows near ``n_clusters`` random directions (of random lengths), in shuffled order."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, d))
    truth = [c for c in range(n_clusters) for _ in range(size)]
    order = rng.permutation(len(truth))
    truth = [truth[i] for i in order]
    rows = np.stack([centres[c] + noise * rng.normal(size=d) for c in truth])
    return rows * rng.uniform(0.5, 3.0, size=(len(truth), 1)), truth


def partition(labels: np.ndarray | list[int]) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(np.asarray(labels) == c).tolist()) for c in set(labels)}


def test_kmeans_recovers_planted_clusters_exactly() -> None:
    rows, truth = planted()
    assert partition(kmeans(rows, 4).labels) == partition(truth)


def test_kmeans_is_deterministic_and_numbers_clusters_by_size() -> None:
    rows, _ = planted(n_clusters=5, size=4, noise=0.8)
    rows = np.concatenate([rows, planted(n_clusters=1, size=7, seed=3)[0]])
    first, second = kmeans(rows, 5, seed=0), kmeans(rows, 5, seed=0)
    assert np.array_equal(first.labels, second.labels) and first.inertia == second.inertia
    sizes = np.bincount(first.labels)
    assert list(sizes) == sorted(sizes, reverse=True)


def test_members_are_ordered_from_most_to_least_central() -> None:
    # Angles 0, 22 and -6 degrees (mean direction 5), then 90, 73 and 87 (mean 83).
    rows = np.array([[1.0, 0.0], [1.0, 0.4], [1.0, -0.1], [0.0, 1.0], [0.3, 1.0], [0.05, 1.0]])
    assert kmeans(rows, 2).members() == [[0, 2, 1], [5, 3, 4]]


def test_silhouette_is_one_for_identical_members_and_near_one_for_planted_clusters() -> None:
    rows = np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0], [0.0, 3.0]])
    assert silhouette(rows, np.array([0, 0, 1, 1])) == pytest.approx(1.0)
    planted_rows, truth = planted()
    assert silhouette(planted_rows, np.array(truth)) > 0.95
    shuffled = np.random.default_rng(0).permutation(truth)
    assert silhouette(planted_rows, shuffled) < 0.2


def test_silhouette_scores_a_lone_member_zero_and_needs_two_to_n_minus_one_clusters() -> None:
    rows = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert silhouette(rows, np.array([0, 0, 1])) == pytest.approx(2 / 3)
    assert silhouette(rows, np.array([0, 0, 0])) is None
    assert silhouette(rows, np.array([0, 1, 2])) is None


@pytest.mark.parametrize(("n", "k"), [(3, 2), (4, 2), (34, 8), (40, 10), (171, 10)])
def test_the_default_k_is_a_quarter_of_the_emotions_between_2_and_10(n: int, k: int) -> None:
    assert default_k(n) == k


def test_the_cluster_summary_names_members_sizes_and_mean_valence() -> None:
    rows, truth = planted(n_clusters=2, size=3)
    names = [f"w{i}" for i in range(len(truth))]
    valence = {name: 1.0 if c == truth[0] else -1.0 for name, c in zip(names, truth, strict=True)}
    summary, clustering = cluster_summary(rows, names, valence, {}, None)
    assert clustering is not None and summary["k"] == 2 and summary["sizes"] == [3, 3]
    assert sorted(map(sorted, summary["members"])) == sorted(
        sorted(n for n, c in zip(names, truth, strict=True) if c == group) for group in (0, 1)
    )
    assert sorted(summary["mean_valence"]) == [-1.0, 1.0]
    assert summary["mean_arousal"] == [None, None] and summary["silhouette"] > 0.9
    assert clusters_line(summary).startswith("2 k-means clusters (silhouette ")


def test_clustering_is_skipped_below_three_emotions_and_k_is_capped() -> None:
    rows, _ = planted(n_clusters=2, size=1)
    summary, clustering = cluster_summary(rows, ["a", "b"], {}, {}, None)
    assert clustering is None and summary["k"] is None and "too few" in summary["note"]
    assert clusters_line(summary).startswith("clusters: skipped")
    rows, _ = planted(n_clusters=2, size=2)
    summary, _ = cluster_summary(rows, ["a", "b", "c", "d"], {}, {}, 10)
    assert summary["k"] == 3 and "k = 10 was asked for" in summary["note"]


def test_pca_matches_an_svd_and_orients_each_component() -> None:
    vectors = torch.randn(12, 40, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    result = pca(vectors, n_components=4)
    centred = vectors.numpy() - vectors.numpy().mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    np.testing.assert_allclose(np.abs(result.scores), np.abs(u[:, :4] * s[:4]), atol=1e-9)
    np.testing.assert_allclose(result.explained, (s**2 / (s**2).sum())[:4], atol=1e-12)
    largest = result.scores[np.abs(result.scores).argmax(axis=0), range(4)]
    assert (largest > 0).all()


def planted_axes(n: int = 30, n_layers: int = 5, at: int = 3) -> tuple[torch.Tensor, dict, dict]:
    """Random vectors at every layer; at layer ``at`` valence is the main direction and
    arousal the second."""
    rng = np.random.default_rng(0)
    valence, arousal = rng.normal(size=n), rng.normal(size=n)
    valence -= valence.mean()
    arousal -= arousal.mean() + (arousal @ valence) / (valence @ valence) * valence  # uncorrelated
    vectors = rng.normal(size=(n, n_layers, 16))
    axes = np.linalg.qr(rng.normal(size=(16, 2)))[0].T
    vectors[:, at] = 0.1 * vectors[:, at] + 5 * np.outer(valence, axes[0])
    vectors[:, at] += 2.5 * np.outer(arousal, axes[1])
    names = [f"w{i}" for i in range(n)]
    return (
        torch.from_numpy(vectors),
        dict(zip(names, valence.tolist(), strict=True)),
        dict(zip(names, arousal.tolist(), strict=True)),
    )


def test_geometry_by_layer_finds_a_planted_valence_axis_at_its_layer() -> None:
    vectors, valence, arousal = planted_axes()
    result = geometry_by_layer(vectors, list(valence), valence, arousal)
    assert all(len(values) == 5 for values in result.values())
    assert set(result) >= {"pc1_valence", "pc2_arousal", "pc2_valence", "pc1_arousal"}
    assert best_layer(result["pc1_valence"]) == 3 and result["pc1_valence"][3] > 0.99
    assert result["pc2_arousal"][3] > 0.99 and result["pc2_valence"][3] < 0.1
    assert result["pc1_variance"][3] > 0.7 and max(result["pc1_valence"][:3]) < 0.7


def test_best_layer_skips_missing_values_and_prefers_the_first_tie() -> None:
    assert best_layer([None, 0.5, 0.9, 0.9]) == 2
    assert best_layer([None, None]) is None


@pytest.mark.parametrize("n", [34, 171])
def test_the_geometry_and_cluster_figures_are_written(n: int, tmp_path: Path) -> None:
    vectors, valence, arousal = planted_axes(n=n, n_layers=6, at=4)
    names = [f"emotion{i}" for i in range(n)]
    geometry = geometry_by_layer(vectors, list(valence), valence, arousal)
    probe = [{"layer": i, "top1": 0.1 * i, "top3": 0.15 * i} for i in range(6)]
    plots.geometry_layers(geometry, probe, PAPER, 4, "geometry", tmp_path / "geometry.png")
    at_layer = vectors[:, 4].numpy()
    clustering = kmeans(at_layer, default_k(n))
    components = pca(vectors[:, 4])
    plots.cluster_map(
        components.scores,
        names,
        components.explained.tolist(),
        clustering.members(),
        "clusters",
        tmp_path / "clusters.png",
    )
    for name in ("geometry.png", "clusters.png"):
        assert (tmp_path / name).stat().st_size > 10_000
