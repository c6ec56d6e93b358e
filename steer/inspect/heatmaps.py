"""``attention_<prompt>_L<layer>.png``: one row per head, columns baseline, steered and
steered - baseline, tokens labelled on both axes (keys across, queries down).

Weights use a square-root colour scale (attention sinks would otherwise leave every other
weight invisible); the difference uses a diverging scale symmetric around 0. Entries above
the diagonal (future keys, masked by the causal mask) are grey. A dashed line marks where the
reply starts. Long texts show their last ``max_tokens`` tokens, and the title says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, PowerNorm
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from steer.inspect.attention import ShownTokens, crop

DPI = 100
# The page is laid out by hand, in inches (a layout engine measures the hundreds of token
# labels again and doubles the drawing time).
INCH_PER_TOKEN = 0.12
MIN_PANEL = 3.0
LEFT = 1.2  # query labels and the axis title
COLUMN_EXTRA = 1.05  # gap, colour bar and its tick labels after each heatmap
ROW_EXTRA = 1.35  # panel title above, key labels below
TOP = 0.9  # the figure's title
BOTTOM = 0.35  # the key axis title under the last row


@dataclass(frozen=True)
class HeatmapPage:
    """What one attention figure shows."""

    prompt_id: str
    layer: int
    heads: Sequence[int]
    n_heads: int
    labels: Sequence[str]  # every token's plot-safe label
    window: ShownTokens
    prompt_length: int  # the reply starts at this token
    steering: str  # e.g. "happy_vs_sad +0.1 at layer 20"


def _masked(pattern: np.ndarray) -> np.ndarray:
    future = np.triu(np.ones(pattern.shape, dtype=bool), k=1)
    return np.ma.masked_array(pattern, mask=future)


def _panel(
    axes: Axes,
    values: np.ndarray,
    labels: Sequence[str],
    norm: Normalize,
    cmap: str,
    label_queries: bool,
) -> AxesImage:
    """One heatmap, keys labelled across; queries labelled down when ``label_queries`` (the
    first panel of a row: its other panels share the queries, and ticks are slow to draw)."""
    colours = plt.get_cmap(cmap).with_extremes(bad="0.88")
    image = axes.imshow(_masked(values), cmap=colours, norm=norm, interpolation="nearest")
    ticks = np.arange(len(labels))
    fontsize = 7 if len(labels) <= 40 else 5
    axes.set_xticks(ticks, labels, rotation=90, fontsize=fontsize)
    if label_queries:
        axes.set_yticks(ticks, labels, fontsize=fontsize)
    else:
        axes.set_yticks([])
    axes.tick_params(length=1.5, pad=1)
    return image


def _mark_reply(axes: Axes, page: HeatmapPage) -> None:
    at = page.prompt_length - page.window.start
    if 0 < at < page.window.end - page.window.start:
        for draw in (axes.axhline, axes.axvline):
            draw(at - 0.5, color="black", linewidth=0.8, linestyle="--")


def _place(figure: Figure, left: float, bottom: float, width: float, height: float) -> Axes:
    """Axes at a position given in inches from the figure's bottom-left corner."""
    fig_width, fig_height = figure.get_size_inches()
    return figure.add_axes(
        (left / fig_width, bottom / fig_height, width / fig_width, height / fig_height)
    )


def _panel_titles(head: int, spread: float) -> list[str]:
    change = f"max |difference| {spread:.2g}" if spread > 0 else "identical"
    return [
        f"head {head}: baseline",
        f"head {head}: steered",
        f"head {head}: steered − baseline ({change})",
    ]


def attention_figure(
    page: HeatmapPage, baseline: torch.Tensor, steered: torch.Tensor, path: Path
) -> Path:
    """``baseline`` and ``steered``: the full patterns [head, query, key] of one layer."""
    heads = list(page.heads)
    base = crop(baseline[heads], page.window).numpy()
    steer = crop(steered[heads], page.window).numpy()
    labels = list(page.labels[page.window.start : page.window.end])
    side = max(MIN_PANEL, INCH_PER_TOKEN * len(labels))
    column, row_height = side + COLUMN_EXTRA, side + ROW_EXTRA
    height = TOP + len(heads) * row_height + BOTTOM
    figure = plt.figure(figsize=(LEFT + 3 * column + 0.2, height))
    for row, head in enumerate(heads):
        top = float(max(base[row].max(), steer[row].max(), 1e-6))
        weights = PowerNorm(gamma=0.5, vmin=0.0, vmax=top)
        difference = steer[row] - base[row]
        spread = float(np.abs(difference).max())
        panels = [
            (base[row], weights, "viridis"),
            (steer[row], weights, "viridis"),
            (difference, Normalize(-(spread or 1.0), spread or 1.0), "RdBu_r"),
        ]
        bottom = height - TOP - row * row_height - 0.35 - side
        for index, ((values, norm, cmap), title) in enumerate(
            zip(panels, _panel_titles(head, spread), strict=True)
        ):
            left = LEFT + index * column
            axes = _place(figure, left, bottom, side, side)
            image = _panel(axes, values, labels, norm, cmap, label_queries=index == 0)
            _mark_reply(axes, page)
            axes.set_title(title, fontsize=10)
            colour_bar = _place(figure, left + side + 0.1, bottom, 0.15, side)
            figure.colorbar(image, cax=colour_bar).ax.tick_params(labelsize=7)
            if row == len(heads) - 1:
                axes.set_xlabel("key (attended) token", fontsize=8)
            if index == 0:
                axes.set_ylabel("query (attending) token", fontsize=8)
    shown = f"heads {_heads_text(heads)} of {page.n_heads}"
    figure.suptitle(
        f"attention at layer {page.layer}, prompt {page.prompt_id}: {shown}, "
        f"{page.window.note()}\nsteered = {page.steering}; dashed line: the reply starts",
        fontsize=12,
        y=1 - 0.15 / height,
        va="top",
    )
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def _heads_text(heads: Sequence[int]) -> str:
    if len(heads) > 1 and list(heads) == list(range(heads[0], heads[-1] + 1)):
        return f"{heads[0]}-{heads[-1]}"
    return ", ".join(str(h) for h in heads)
