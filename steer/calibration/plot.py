"""``calibration.png``: per calibrated vector, effect and damage against strength, bounds marked.

One row of three panels per entry: the effect (the vector's readout over the reply, minus
strength 0's), the perplexity ratio (log scale), and the rate deltas (repetition, empty,
truncated). Dashed horizontal lines are the damage bounds; dotted vertical lines the
calibrated strengths in each direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from steer.calibration.damage import DIRECTIONS, DamageBounds
from steer.calibration.document import Entry

RATES = (("repetition", "C0"), ("empty_rate", "C1"), ("truncated_rate", "C2"))


def _mark_bounds(axes: Any, entry: Entry) -> None:
    for direction in DIRECTIONS:
        strength = entry.bounds[direction].strength
        if strength is not None:
            axes.axvline(strength, color="0.3", linestyle=":", linewidth=1.2)
    axes.axvline(0.0, color="0.75", linewidth=0.8)
    axes.set_xlabel("strength")
    axes.grid(alpha=0.3)


def _values(entry: Entry, name: str) -> tuple[list[float], list[float]]:
    pairs = [(r.strength, getattr(r, name)) for r in entry.damage]
    kept = [(s, float(v)) for s, v in pairs if v is not None]
    return [s for s, _ in kept], [v for _, v in kept]


def calibration_plot(entries: Sequence[Entry], limits: DamageBounds, path: Path) -> Path:
    figure, grid = plt.subplots(len(entries), 3, figsize=(13, 3.4 * len(entries)), squeeze=False)
    for row, entry in zip(grid, entries, strict=True):
        title = f"{entry.vector} @ layers {','.join(map(str, entry.layers))}"
        effect, ratio, rates = row
        effect.plot(*_values(entry, "effect_delta"), marker="o", color="C3")
        effect.set_title(f"{title}: effect")
        effect.set_ylabel(f"readout change (layer {entry.readout_layer})")
        ratio.plot(*_values(entry, "perplexity_ratio"), marker="o", color="C4")
        ratio.axhline(limits.perplexity_ratio, color="C4", linestyle="--", linewidth=1)
        ratio.set_yscale("log")
        ratio.set_title("perplexity under the unsteered model / strength 0")
        for name, colour in RATES:
            rates.plot(*_values(entry, name), marker="o", color=colour, label=name)
            rates.axhline(getattr(limits, name), color=colour, linestyle="--", linewidth=1)
        rates.set_title("change against strength 0")
        rates.legend(fontsize=8)
        for axes in row:
            _mark_bounds(axes, entry)
    figure.suptitle("steer calibrate: dotted = calibrated bounds, dashed = damage limits")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
