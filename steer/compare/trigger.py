"""Readout-triggered runs in ``steer compare``: where the trigger fired.

For every run whose attempts carry trigger records (``steering.trigger``), per strength: how
many attempts, the share of reply tokens produced at a position where the trigger fired
(over all attempts; at strength 0 it fires without steering, so this is where it *would*
steer), the share of attempts in which it fired at all, prompt positions fired, and the mean
monitored readout over the reply tokens. ``compare/trigger_<run>.png`` draws the monitored
readout along the replies of the first episodes at each strength, with the threshold and the
tokens it fired on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import fmean
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from steer.compare.load import Run
from steer.compare.plots import safe_name
from steer.compare.summary import aligned, number, strength_text

MAX_EPISODES_DRAWN = 4
TABLE_HEADER = [
    "strength", "attempts", "reply tokens", "fired on (share)", "attempts fired",
    "prompt positions fired", "mean readout",
]  # fmt: skip


@dataclass(frozen=True)
class TriggeredRun:
    run: Run
    setting: dict[str, Any]  # the trigger's record without per-generation fields
    rows: list[list[str]]
    figure: Path


def _attempts(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [a["trigger"] for a in record.get("attempts") or [] if a.get("trigger")]


def _row(strength: float, triggers: Sequence[dict[str, Any]]) -> list[str]:
    tokens = sum(int(t["reply_tokens"]) for t in triggers)
    fired = sum(len(t["fired"]) for t in triggers)
    values = [v for t in triggers for v in t["readout"]]
    share = f"{fired} ({fired / tokens:.1%})" if tokens else "0"
    return [
        strength_text(strength),
        str(len(triggers)),
        str(tokens),
        share,
        f"{sum(1 for t in triggers if t['fired'])} of {len(triggers)}",
        str(sum(int(t["prompt_fired"]) for t in triggers)),
        number(fmean(values)) if values else "",
    ]


def _figure(run: Run, by_strength: dict[float, list[dict[str, Any]]], path: Path) -> Path:
    strengths = sorted(by_strength)
    figure, grid = plt.subplots(
        1, len(strengths), figsize=(4.5 * len(strengths), 3.4), squeeze=False, sharey=True
    )
    for axes, strength in zip(grid[0], strengths, strict=True):
        for index, trigger in enumerate(by_strength[strength][:MAX_EPISODES_DRAWN]):
            values = trigger["readout"]
            axes.plot(range(len(values)), values, color=f"C{index}", linewidth=1)
            fired = [j for j in trigger["fired"] if j < len(values)]
            axes.scatter(fired, [values[j] for j in fired], color=f"C{index}", s=12)
            axes.axhline(trigger["threshold"], color="0.3", linestyle="--", linewidth=1)
        axes.set_title(f"strength {strength_text(strength)}")
        axes.set_xlabel("reply token")
        axes.grid(alpha=0.3)
    grid[0][0].set_ylabel("monitored readout (dots: fired)")
    figure.suptitle(f"trigger, run {run.label}: first {MAX_EPISODES_DRAWN} attempts per strength")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def triggered_runs(runs: Sequence[Run], out_dir: Path) -> list[TriggeredRun]:
    found = []
    for run in runs:
        by_strength: dict[float, list[dict[str, Any]]] = {}
        for record in run.records:
            by_strength.setdefault(float(record["strength"]), []).extend(_attempts(record))
        by_strength = {s: t for s, t in by_strength.items() if t}
        if not by_strength:
            continue
        first = next(iter(by_strength.values()))[0]
        setting = {
            k: v
            for k, v in first.items()
            if k not in ("fired", "readout", "prompt_fired", "prompt_tokens", "reply_tokens")
        }
        rows = [_row(s, by_strength[s]) for s in sorted(by_strength)]
        out_dir.mkdir(parents=True, exist_ok=True)
        figure = _figure(run, by_strength, out_dir / f"trigger_{safe_name(run.label)}.png")
        found.append(TriggeredRun(run, setting, rows, figure))
    return found


def setting_text(setting: dict[str, Any]) -> str:
    latch = ", latched" if setting.get("latch") else ""
    return (
        f"{setting.get('vector')} at {setting.get('hook')} > {setting.get('threshold')}"
        f" ({setting.get('threshold_unit', 'readout')}{latch})"
    )


def trigger_table(items: Sequence[TriggeredRun]) -> str:
    parts = []
    for item in items:
        parts.append(f"trigger, run {item.run.label}: {setting_text(item.setting)}")
        parts.append(aligned([TABLE_HEADER, *item.rows]))
    return "\n".join(parts)
