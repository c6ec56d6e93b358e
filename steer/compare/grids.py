"""``grid_<metric>.png``: one heatmap per metric when a comparison holds many lines.

A line is one run / vector / layers combination (one line of a ``dose_<metric>.png``). With
3 or more lines, e.g. a sweep steering 24 emotions, the dose plots stop being readable, so
each metric that varies also gets a grid: rows are the lines (sorted by vector, then layers,
then run), columns the strengths, and each cell shows the metric's value over all records (a
rate or a mean, 2 decimals; ``*`` when its p-value against strength 0 is below 0.05). The
colour is the cell's delta against the same row's strength-0 value, on a diverging scale
centred on 0 (blue lower, red higher); a missing cell is grey.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from steer.compare.load import _natural_key as natural_key
from steer.compare.plots import MAX_DOSE_PLOTS, plotted_metrics, safe_name
from steer.compare.summary import overall, strength_text

__all__ = ["MAX_GRIDS", "MIN_LINES", "Grid", "grid_plots", "line_count", "metric_grid"]

MIN_LINES = 3  # fewer lines read well enough on the dose plots
MAX_GRIDS = MAX_DOSE_PLOTS
LINE = ["run", "vector", "layers"]
SIGNIFICANT = 0.05
MIN_HEIGHT = 3.6  # inches: room for the title and the colourbar's label


@dataclass(frozen=True)
class Grid:
    """One metric's cells: ``values``, ``deltas`` and ``p_values`` are rows x strengths."""

    metric: str
    kind: str  # "rate", "mean" or "mixed"
    rows: list[str]
    strengths: list[float]
    values: np.ndarray
    deltas: np.ndarray
    p_values: np.ndarray


def line_count(summary: pd.DataFrame) -> int:
    """The number of distinct run / vector / layers combinations."""
    return int(overall(summary).groupby(LINE).ngroups)


def _layers_key(layers: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.lstrip("-").isdigit() else (1, p) for p in layers.split(",")]


def _line_order(lines: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """By vector, then layers (numerically), then run (0, 1, ..., 10)."""
    return sorted(
        lines, key=lambda line: (line[1], _layers_key(line[2]), natural_key(Path(line[0])))
    )


def _row_labels(lines: list[tuple[str, str, str]]) -> list[str]:
    """``happy @ layer 20``; prefixed by the run when two lines share vector and layers."""
    plain = [f"{v} @ layer{'s' if ',' in layers else ''} {layers}" for _, v, layers in lines]
    repeated = len(set(plain)) < len(plain)
    return [
        f"run {run}: {label}" if repeated else label
        for (run, _, _), label in zip(lines, plain, strict=True)
    ]


def grid_of(rows: pd.DataFrame, metric: str) -> Grid:
    """One metric's overall summary rows (all runs) as a grid."""
    keys = [(str(r), str(v), str(la)) for r, v, la in rows[LINE].drop_duplicates().to_numpy()]
    lines = _line_order(keys)
    strengths = sorted({float(s) for s in rows["strength"]})
    shape = (len(lines), len(strengths))
    values, deltas, p_values = (
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.full(shape, np.nan),
    )
    row_of = {line: i for i, line in enumerate(lines)}
    column_of = {s: j for j, s in enumerate(strengths)}
    cells = rows[[*LINE, "strength", "value", "delta", "p_value"]]
    for run, vector, layers, strength, value, delta, p_value in cells.itertuples(
        index=False, name=None
    ):
        i, j = row_of[(str(run), str(vector), str(layers))], column_of[float(strength)]
        values[i, j], deltas[i, j], p_values[i, j] = float(value), float(delta), float(p_value)
    kinds = set(rows["kind"])
    kind = str(next(iter(kinds))) if len(kinds) == 1 else "mixed"
    return Grid(metric, kind, _row_labels(lines), strengths, values, deltas, p_values)


def _cell_text(value: float, p_value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2f}" + ("*" if p_value < SIGNIFICANT else "")


def _value_name(grid: Grid) -> str:
    """``passed (rate)``, ``vader_compound (mean)``."""
    return grid.metric if grid.kind == "mixed" else f"{grid.metric} ({grid.kind})"


def draw_grid(grid: Grid, title: str, path: Path) -> Path:
    """The grid as an annotated heatmap coloured by delta against each row's strength 0."""
    n_rows, n_columns = grid.values.shape
    label_width = 0.075 * max(len(label) for label in grid.rows)
    height = max(MIN_HEIGHT, 1.8 + 0.3 * n_rows)
    figure, axes = plt.subplots(figsize=(1.0 + label_width + 0.8 * n_columns + 1.6, height))
    finite = np.abs(grid.deltas[np.isfinite(grid.deltas)])
    limit = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
    shown = axes.imshow(
        np.ma.masked_invalid(grid.deltas), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto"
    )
    for i in range(n_rows):
        for j in range(n_columns):
            delta = grid.deltas[i, j]
            dark = math.isfinite(delta) and abs(delta) > 0.6 * limit
            axes.text(
                j, i, _cell_text(grid.values[i, j], grid.p_values[i, j]), ha="center",
                va="center", fontsize=8, color="white" if dark else "black",
            )  # fmt: skip
    axes.set_xticks(range(n_columns))
    axes.set_xticklabels(
        [strength_text(s) + (" (baseline)" if s == 0 else "") for s in grid.strengths]
    )
    axes.set_yticks(range(n_rows))
    axes.set_yticklabels(grid.rows, fontsize=8.5)
    axes.set_xlabel("steering strength")
    axes.tick_params(top=True, labeltop=True, bottom=True, labelbottom=True)
    axes.set_xticks(np.arange(-0.5, n_columns), minor=True)
    axes.set_yticks(np.arange(-0.5, n_rows), minor=True)
    axes.grid(which="minor", color="white", linewidth=1)
    axes.tick_params(which="minor", length=0)
    bar = figure.colorbar(
        shown, ax=axes, fraction=0.08, pad=0.03, shrink=min(1.0, 8 / n_rows + 0.3)
    )
    bar.set_label(f"delta vs the row's strength 0\n({_value_name(grid)})")
    axes.set_title(
        f"{title}\ncell: {_value_name(grid)} over all records; * p < 0.05 vs strength 0",
        fontsize=10,
        pad=12,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def metric_grid(rows: pd.DataFrame, metric: str, path: Path) -> Path:
    """One metric's overall rows (all runs) drawn as a grid."""
    tasks = sorted({str(t) for t in rows["task"] if isinstance(t, str) and t})
    title = f"{metric} by line and strength" + (f" ({', '.join(tasks)})" if tasks else "")
    return draw_grid(grid_of(rows, metric), title, path)


def grid_plots(
    summary: pd.DataFrame,
    varying: set[str],
    out_dir: Path,
    limit: int = MAX_GRIDS,
    order: Sequence[str] = (),
) -> list[Path]:
    """Grids of the metrics that vary (declared ``order`` first, at most ``limit``) when the
    summary holds at least ``MIN_LINES`` lines; none otherwise."""
    if line_count(summary) < MIN_LINES:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = overall(summary)
    return [
        metric_grid(rows[rows["metric"] == m], m, out_dir / f"grid_{safe_name(m)}.png")
        for m in plotted_metrics(summary, varying, limit, order)
    ]
