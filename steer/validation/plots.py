"""PNG figures of a bank's validation: similarity heatmap, PCA map, probe accuracy by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def similarity_heatmap(
    similarity: np.ndarray, names: Sequence[str], order: Sequence[int], title: str, path: Path
) -> None:
    ordered = similarity[np.ix_(order, order)]
    labels = [names[i] for i in order]
    size = max(6.0, 0.22 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    image = ax.imshow(ordered, cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=max(4, 9 - len(labels) // 25))
    ax.set_yticks(range(len(labels)), labels, fontsize=max(4, 9 - len(labels) // 25))
    fig.colorbar(image, ax=ax, shrink=0.7, label="cosine similarity")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def pca_map(
    scores: np.ndarray,
    names: Sequence[str],
    explained: Sequence[float],
    valence: Mapping[str, float],
    title: str,
    path: Path,
) -> None:
    fig, ax = plt.subplots(figsize=(8, 7))
    colours = [valence.get(n, np.nan) for n in names]
    rated = ~np.isnan(colours)
    ax.scatter(scores[~rated, 0], scores[~rated, 1], c="lightgrey", s=30, label="no rating")
    points = ax.scatter(
        scores[rated, 0], scores[rated, 1], c=np.array(colours)[rated], cmap="RdYlGn", s=40
    )
    for (x, y), name in zip(scores[:, :2], names, strict=True):
        ax.annotate(name, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    fig.colorbar(points, ax=ax, label="VADER valence of the word")
    ax.set_xlabel(f"PC1 ({explained[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({explained[1]:.0%} of variance)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def probe_by_layer(
    per_layer: Sequence[Mapping[str, Any]], n_emotions: int, default: int, title: str, path: Path
) -> None:
    layers = [row["layer"] for row in per_layer]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(layers, [row["top1"] for row in per_layer], marker="o", label="top-1")
    ax.plot(layers, [row["top3"] for row in per_layer], marker="s", label="top-3")
    ax.axhline(1 / n_emotions, color="grey", ls="--", label="chance (top-1)")
    ax.axhline(min(1.0, 3 / n_emotions), color="grey", ls=":", label="chance (top-3)")
    ax.axvline(default, color="black", lw=0.8, label=f"default layer {default}")
    ax.set_xlabel("layer")
    ax.set_ylabel("held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
