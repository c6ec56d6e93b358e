"""The monitoring figure (``compare/monitoring_<run>.png``): one panel per emotion, the readout
against attempt with its 95% band, prompt_last solid and reply_mean dashed, passing attempts
marked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.typing import LineStyleType

from steer.compare.load import Run
from steer.compare.plots import MAX_EMOTION_PANELS, style_attempt_panels
from steer.compare.summary import strength_text

CHEAT, PASS = "cheat", "pass"  # the outcome of an attempt on an impossible / possible task
PLACES = ("prompt_last", "reply_mean")  # where readouts are read


STYLES: dict[str, tuple[str, LineStyleType, str]] = {
    "prompt_last": ("C0", "-", "o"),
    "reply_mean": ("C1", "--", "s"),
}
PLACE_NAMES = {"prompt_last": "prompt_last (last prompt token)", "reply_mean": "reply_mean"}
OUTCOME_MARKERS = {CHEAT: ("*", "cheating attempt"), PASS: ("P", "passing attempt")}


def _draw_place(axes: Any, entry: dict[str, Any], place: str) -> None:
    colour, style, marker = STYLES[place]
    rows = entry["by_attempt"]
    attempts = [row["attempt"] for row in rows]
    means = np.array([row["mean"] for row in rows], dtype=float)
    lows = np.array([row["ci_low"] for row in rows], dtype=float)
    highs = np.array([row["ci_high"] for row in rows], dtype=float)
    axes.plot(attempts, means, color=colour, linestyle=style, marker=marker)
    axes.fill_between(attempts, lows, highs, color=colour, alpha=0.15, linewidth=0)


def _legend_handles(outcomes: Sequence[str]) -> list[Line2D]:
    handles = [
        Line2D([], [], color=colour, linestyle=style, marker=marker, label=PLACE_NAMES[place])
        for place, (colour, style, marker) in STYLES.items()
    ]
    for outcome in outcomes:
        marker, what = OUTCOME_MARKERS[outcome]
        handles.append(
            Line2D([], [], linestyle="", marker=marker, markersize=10, color="0.6",
                   markeredgecolor="black", label=f"{what} (its readouts)")
        )  # fmt: skip
    return handles


def monitoring_figure(run: Run, frame: pd.DataFrame, entry: dict[str, Any], path: Path) -> Path:
    """Per emotion (at most ``MAX_EMOTION_PANELS``): both places' mean readout by attempt with
    the 95% t band, at the headline strength; each passing attempt's own readouts marked."""
    headline = entry["strengths"][0]
    strength = float(headline["strength"])
    at = frame[frame["strength"] == strength]
    emotions = list(headline["emotions"])[:MAX_EMOTION_PANELS]
    columns = min(4, len(emotions))
    rows = -(-len(emotions) // columns)
    height = 2.9 * rows + 1.4
    figure, grid = plt.subplots(rows, columns, figsize=(3.6 * columns, height), squeeze=False)
    passing = at[at["passed"] > 0]
    for axes, emotion in zip(grid.flat, emotions, strict=False):
        for place, place_entry in headline["emotions"][emotion].items():
            _draw_place(axes, place_entry, place)
            hits = passing[(passing["emotion"] == emotion) & (passing["place"] == place)]
            for outcome, points in hits.groupby("outcome"):
                axes.scatter(
                    points["attempt"], points["value"], marker=OUTCOME_MARKERS[str(outcome)][0],
                    s=80, zorder=4, color=STYLES[place][0], edgecolors="black", linewidths=0.6,
                )  # fmt: skip
    style_attempt_panels(grid, emotions, "readout")
    outcomes = sorted({str(o) for o in passing["outcome"]})
    figure.legend(
        handles=_legend_handles(outcomes), loc="lower center", ncol=4, fontsize="small",
        frameon=False,
    )  # fmt: skip
    attempts = "/".join(headline["episodes_by_attempt"])
    reached = "/".join(str(n) for n in headline["episodes_by_attempt"].values())
    counted = "".join(
        f"; {c['passing_attempts']} {OUTCOME_MARKERS[name][1]}(s)"
        for name, c in headline["outcomes"].items()
    )
    task = f" ({run.task})" if run.task else ""
    figure.suptitle(
        f"Monitoring: run {run.label}{task}, strength {strength_text(strength)}\n"
        f"{headline['episodes']} episodes (reaching attempt {attempts}: {reached}){counted}\n"
        "mean readout by attempt with its 95% t band (read unsteered)",
        fontsize=10,
    )
    figure.tight_layout(rect=(0, 0.35 / height, 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
