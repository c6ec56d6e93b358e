"""The figures of `steer compare` (PNG, matplotlib's Agg backend).

- ``dose_<metric>.png``: the metric (over all records) against steering strength, one line per
  run, vector and layers, with 95% error bars (Wilson for rates, t for means); the task's
  headline metrics first, then the metrics that vary. Strength 0, the paired baseline, is a
  dashed vertical line and a ringed point on each line. When several lines share a plot their
  points are spread a little sideways so the error bars stay apart.
- ``readouts_<run>.png``: for a run with several attempts per episode and emotion readouts,
  the mean readout at the last prompt token of each emotion against attempt number, one line
  per strength (the mean over the episodes that reached that attempt).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from steer.compare.load import Run, readout_frame
from steer.compare.summary import overall, ranked_metrics

MAX_DOSE_PLOTS = 8
MAX_EMOTION_PANELS = 12
DODGE = 0.012  # sideways spread between lines, as a fraction of the strength range


def safe_name(text: str) -> str:
    """A file-name-safe version of a metric or run name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "run"


def _line_label(run: str, vector: str, layers: str, several_runs: bool) -> str:
    label = f"{vector} @ layer{'s' if ',' in layers else ''} {layers}"
    return f"run {run}: {label}" if several_runs else label


def _y_label(metric: str, kinds: set[str]) -> str:
    if kinds == {"rate"}:
        return f"{metric} rate (95% Wilson CI)"
    if kinds == {"mean"}:
        return f"mean {metric} (95% t CI)"
    return f"{metric} (95% CI)"


def plotted_metrics(
    summary: pd.DataFrame, varying: set[str], limit: int, order: Sequence[str] = ()
) -> list[str]:
    """The metrics that vary, in the declared ``order`` first, at most ``limit``."""
    return [m for m in ranked_metrics(summary, varying, order) if m in varying][:limit]


def style_attempt_panels(grid: np.ndarray, emotions: list[str], y_label: str) -> None:
    """Per-emotion panels against attempt number; spare panels of the grid hidden."""
    for axes, emotion in zip(grid.flat, emotions, strict=False):
        axes.set_title(emotion)
        axes.set_xlabel("attempt")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel(y_label)
        axes.grid(alpha=0.3)
    for axes in list(grid.flat)[len(emotions) :]:
        axes.set_visible(False)


def dose_response(rows: pd.DataFrame, metric: str, path: Path) -> Path:
    """One metric's overall rows (all runs) as dose-response lines."""
    lines = list(rows.groupby(["run", "vector", "layers"], sort=False))
    several_runs = rows["run"].nunique() > 1
    span = float(np.ptp(rows["strength"])) or 1.0
    figure, axes = plt.subplots(figsize=(7.5, 4.5))
    axes.axvline(0.0, color="0.5", linestyle="--", linewidth=1, label="baseline (strength 0)")
    for index, ((run, vector, layers), line) in enumerate(lines):
        line = line.sort_values("strength")
        shift = (index - (len(lines) - 1) / 2) * DODGE * span
        x = line["strength"].to_numpy(dtype=float) + shift
        y = line["value"].to_numpy(dtype=float)
        below = np.nan_to_num(y - line["ci_low"].to_numpy(dtype=float))
        above = np.nan_to_num(line["ci_high"].to_numpy(dtype=float) - y)
        drawn = axes.errorbar(
            x, y, yerr=[below, above], marker="o", capsize=3,
            label=_line_label(str(run), str(vector), str(layers), several_runs),
        )  # fmt: skip
        at_zero = line["strength"].to_numpy() == 0.0
        axes.scatter(
            x[at_zero], y[at_zero], s=140, facecolors="none",
            edgecolors=drawn.lines[0].get_color(), linewidths=1.5, zorder=3,
        )  # fmt: skip
    tasks = sorted({str(t) for t in rows["task"] if isinstance(t, str) and t})
    axes.set_title(f"{metric} against steering strength" + (f" ({', '.join(tasks)})" * bool(tasks)))
    axes.set_xlabel("steering strength (0 = unsteered baseline)")
    axes.set_ylabel(_y_label(metric, set(rows["kind"])))
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small", loc="best")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def dose_metrics(
    summary: pd.DataFrame,
    varying: set[str],
    limit: int,
    headline: Sequence[str] = (),
    order: Sequence[str] = (),
) -> list[str]:
    """The ``headline`` metrics first (kept even when constant: a flat line is an answer too),
    then the metrics that vary (declared ``order`` first), at most ``limit`` in all."""
    present = set(overall(summary)["metric"])
    first = [m for m in headline if m in present]
    rest = [m for m in plotted_metrics(summary, varying, limit, order) if m not in first]
    return [*first, *rest][:limit]


def dose_plots(
    summary: pd.DataFrame,
    varying: set[str],
    out_dir: Path,
    limit: int = MAX_DOSE_PLOTS,
    headline: Sequence[str] = (),
    order: Sequence[str] = (),
) -> dict[str, Path]:
    """{metric: dose-response figure} for ``dose_metrics``, in that order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = overall(summary)
    return {
        m: dose_response(rows[rows["metric"] == m], m, out_dir / f"dose_{safe_name(m)}.png")
        for m in dose_metrics(summary, varying, limit, headline, order)
    }


def _strength_colours(strengths: list[float]) -> dict[float, tuple[float, ...]]:
    """Negative strengths blue, positive red (deeper with size), the baseline black."""
    biggest = max((abs(s) for s in strengths), default=1.0) or 1.0
    cmap = plt.get_cmap("coolwarm")
    return {s: (0.0, 0.0, 0.0, 1.0) if s == 0 else cmap(0.5 + 0.5 * s / biggest) for s in strengths}


def readout_trajectory(run: Run, path: Path) -> Path | None:
    """Mean prompt-last readout per emotion against attempt, one line per strength; None when
    the run has no readouts or a single attempt per episode."""
    readouts = readout_frame(run)
    if readouts.empty or readouts["attempt"].max() < 2:
        return None
    emotions = list(dict.fromkeys(readouts["emotion"]))[:MAX_EMOTION_PANELS]
    columns = min(4, len(emotions))
    rows = -(-len(emotions) // columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(3.6 * columns, 2.9 * rows + 0.6), squeeze=False
    )
    strengths = sorted(set(readouts["strength"]))
    colours = _strength_colours(strengths)
    means = readouts.groupby(["emotion", "vector", "layers", "strength", "attempt"])["value"].mean()
    several = readouts.groupby(["vector", "layers"]).ngroups > 1
    for axes, emotion in zip(grid.flat, emotions, strict=False):
        for (vector, layers, strength), line in means.loc[emotion].groupby(level=[0, 1, 2]):
            label = f"{strength:+g}" if strength else "0 (baseline)"
            if several:
                label = f"{vector} @ {layers}: {label}"
            attempts = line.index.get_level_values("attempt")
            axes.plot(attempts, line.to_numpy(), marker="o", color=colours[strength], label=label)
    style_attempt_panels(grid, emotions, "readout (last prompt token)")
    grid.flat[0].legend(title="strength", fontsize="small")
    task = f" ({run.task})" if run.task else ""
    figure.suptitle(f"Emotion readouts by attempt: run {run.label}{task}")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def readout_plots(runs: list[Run], out_dir: Path) -> dict[str, Path]:
    """{run name: figure} for every run with readouts over several attempts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    found: dict[str, Path] = {}
    for run in runs:
        stem = safe_name(run.label)
        drawn = readout_trajectory(run, out_dir / f"readouts_{stem}.png")
        if drawn is not None:
            found[run.name] = drawn
    return found
