"""PNG figures of a bank's validation: similarity heatmap, PCA map, probe accuracy by layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator


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


def _values(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def geometry_layers(
    geometry: Mapping[str, Sequence[float | None]],
    per_layer: Sequence[Mapping[str, Any]],
    paper: Mapping[str, float],
    default: int,
    title: str,
    path: Path,
) -> None:
    """|r| of the principal components with valence and arousal, and probe accuracy, by layer."""
    layers = np.arange(len(geometry["pc1_valence"]))
    fig, ax = plt.subplots(figsize=(9, 5))
    valence, arousal, probe = "tab:blue", "tab:orange", "tab:green"
    lines = [
        ("pc1_valence", "|r| PC1 vs valence", valence, "-", "o"),
        ("pc2_valence", "|r| PC2 vs valence", valence, "--", "^"),
        ("pc2_arousal", "|r| PC2 vs arousal (proxy)", arousal, "-", "s"),
    ]
    for key, label, colour, style, marker in lines:
        values = _values(geometry[key])
        if np.isnan(values).all():
            label += ": too few rated words"
        ax.plot(layers, values, color=colour, ls=style, marker=marker, ms=4, label=label)
    probe_layers = [row["layer"] for row in per_layer]
    for key, label, style in (("top1", "probe top-1", "-"), ("top3", "probe top-3", "--")):
        accuracy = [row[key] for row in per_layer]
        ax.plot(probe_layers, accuracy, color=probe, ls=style, marker="D", ms=3, label=label)
    ax.axhline(paper["pc1_valence_r"], color=valence, ls=":", lw=1.2)
    ax.axhline(paper["pc2_arousal_r"], color=arousal, ls=":", lw=1.2)
    for value, name, colour in (
        (paper["pc1_valence_r"], "paper PC1-valence", valence),
        (paper["pc2_arousal_r"], "paper PC2-arousal", arousal),
    ):
        ax.annotate(
            f"{name} {value}",
            (0, value),
            xycoords=("axes fraction", "data"),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=7,
            color=colour,
        )
    ax.axvline(default, color="black", lw=0.8)
    right = default > len(layers) / 2
    ax.annotate(
        f"default layer {default}",
        (default, 0.01),
        xytext=(-3 if right else 3, 0),
        textcoords="offset points",
        ha="right" if right else "left",
        fontsize=7,
    )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")
    ax.set_ylabel("|r|  /  held-out accuracy")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(-0.5, len(layers) - 0.5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def cluster_map(
    scores: np.ndarray,
    names: Sequence[str],
    explained: Sequence[float],
    members: Sequence[Sequence[int]],
    title: str,
    path: Path,
    label_all_up_to: int = 60,
) -> None:
    """The PCA map coloured by k-means cluster; ``members`` are row indices, most central first.

    Up to ``label_all_up_to`` emotions every point is named; above it only the three most
    central members of each cluster.
    """
    fig, ax = plt.subplots(figsize=(10, 7.5))
    palette = plt.get_cmap("tab10" if len(members) <= 10 else "tab20")
    label_all = len(names) <= label_all_up_to
    fontsize = 7 if len(names) <= 40 else 6
    for c, rows in enumerate(members):
        colour = palette(c % palette.N)
        central = ", ".join(names[i] for i in rows[:3])
        ax.scatter(
            scores[rows, 0],
            scores[rows, 1],
            color=colour,
            s=28 if label_all else 16,
            alpha=0.85,
            label=f"{c + 1} ({len(rows)}): {central}",
        )
        for rank, i in enumerate(rows):
            if not label_all and rank >= 3:
                continue
            ax.annotate(
                names[i],
                (scores[i, 0], scores[i, 1]),
                fontsize=fontsize,
                color=colour,
                fontweight="bold" if rank < 3 else "normal",
                xytext=(3, 2),
                textcoords="offset points",
            )
    ax.set_xlabel(f"PC1 ({explained[0]:.0%} of variance)")
    ax.set_ylabel(f"PC2 ({explained[1]:.0%} of variance)")
    ax.axhline(0, color="grey", lw=0.5)
    ax.axvline(0, color="grey", lw=0.5)
    ax.legend(
        title="cluster (size): most central members",
        title_fontsize=8,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    note = "clustered in all dimensions; bold: each cluster's 3 most central members" + (
        "" if label_all else " (only these are named)"
    )
    ax.set_title(f"{title}\n{note}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
