"""What ``steer run`` prints when a run or a sweep has finished: the answer, one example and
the next command.

- the task's declared headline metrics (``steer.compare.headline``) per strength, each value
  with its 95% interval, delta against strength 0 and p (the statistics of ``steer compare``,
  over all records; a sweep has a row block per job, at most ``MAX_JOBS``);
- one prompt's baseline reply beside its most-steered reply (the largest |strength| of its
  run), trimmed: the prompt whose first headline metric changed most between the two, or the
  first prompt when no prompt has that metric at both strengths;
- ``next: steer compare PATH``.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from steer.compare.columns import printable, side_by_side
from steer.compare.headline import declared, headline_metrics
from steer.compare.job_labels import job_labels
from steer.compare.load import OVERALL, Run, layers_label, load_runs, metric_frame
from steer.compare.summary import aligned, number, p_text, signed, strength_text, summarize

MAX_JOBS = 8
REPLY_LINES = 4
WIDTHS = (60, 120)
LEGEND = (
    "[95% interval: Wilson for rates, Student t for means]; delta and p against strength 0 "
    "(Fisher's exact test for rates, paired sign-flip test for means)"
)


@dataclass(frozen=True)
class Example:
    run: Run
    baseline: dict[str, Any]
    steered: dict[str, Any]
    why: str


def terminal_width() -> int:
    columns = shutil.get_terminal_size((100, 24)).columns
    return min(max(columns, WIDTHS[0]), WIDTHS[1])


def _estimate(row: pd.Series) -> str:
    text = number(row["value"])
    if not math.isnan(row["ci_low"]):
        text += f" [{number(row['ci_low'])}, {number(row['ci_high'])}]"
    return text


def _cells(rows: pd.DataFrame, strength: float, metrics: Sequence[str]) -> list[str]:
    cells: list[str] = []
    for metric in metrics:
        found = rows[(rows["metric"] == metric) & (rows["strength"] == strength)]
        if found.empty:
            cells += ["", "", ""]
            continue
        row = found.iloc[0]
        baseline = strength == 0
        cells += [_estimate(row), "" if baseline else signed(row["delta"]),
                  "" if baseline else p_text(row["p_value"])]  # fmt: skip
    return cells


def table(summary: pd.DataFrame, runs: Sequence[Run], metrics: Sequence[str]) -> list[str]:
    """Rows per strength (per job in a sweep): every headline metric with interval, delta, p."""
    sweep = len(runs) > 1
    labels = job_labels(runs) if sweep else {}
    header = ["job"] * sweep + ["strength"]
    for metric in metrics:
        header += [f"{metric} [95% CI]", "delta", "p"]
    rows: list[list[str]] = [header]
    for run in runs[:MAX_JOBS]:
        at = summary[summary["run"] == run.name]
        for index, strength in enumerate(sorted(set(at["strength"]))):
            name = strength_text(strength) + (" (baseline)" if strength == 0 else "")
            job = [labels.get(run.name, run.name) if index == 0 else ""] * sweep
            rows.append([*job, name, *_cells(at, strength, metrics)])
    lines = aligned(rows).splitlines()
    if len(runs) > MAX_JOBS:
        lines.append(f"... and {len(runs) - MAX_JOBS} more jobs (steer compare shows them all)")
    return lines


def _metric(record: dict[str, Any], metric: str) -> float | None:
    value = (record.get("metrics") or {}).get(metric)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _most_steered(run: Run) -> float | None:
    strengths = {float(r["strength"]) for r in run.records} - {0.0}
    return max(strengths, key=lambda s: (abs(s), s)) if strengths else None


def example(runs: Sequence[Run], metric: str) -> Example | None:
    """The (run, prompt) whose ``metric`` moved most from strength 0 to its run's most-steered
    strength; the first prompt with both strengths when none moved (or none has the metric)."""
    found: list[tuple[float, Run, dict[str, Any], dict[str, Any]]] = []
    for run in runs:
        strength = _most_steered(run)
        by_key = {(str(r["prompt_id"]), float(r["strength"])): r for r in run.records}
        for (prompt, at), steered in by_key.items():
            baseline = by_key.get((prompt, 0.0))
            if at != strength or baseline is None:
                continue
            old, new = _metric(baseline, metric), _metric(steered, metric)
            change = 0.0 if old is None or new is None else abs(new - old)
            found.append((change, run, baseline, steered))
    if not found:
        return None
    change, run, baseline, steered = max(found, key=lambda item: item[0])  # first on ties
    why = f"its {metric} changed most" if change > 0 else f"no prompt's {metric} changed"
    return Example(run, baseline, steered, why)


def _side_title(record: dict[str, Any], metric: str) -> str:
    strength = float(record["strength"])
    title = f"strength {strength_text(strength)}" + (" (baseline)" if strength == 0 else "")
    value = _metric(record, metric)
    return title if value is None else f"{title}: {metric} {number(value)}"


def example_lines(chosen: Example, metric: str, sweep: bool, width: int) -> list[str]:
    record = chosen.steered
    where = f"job {chosen.run.name}, " if sweep else ""
    prompt = printable(str(record.get("prompt", "")))
    head = f"example: {record['prompt_id']} ({where}{chosen.why}): "
    room = max(20, width - len(head) - 2)
    quoted = prompt if len(prompt) <= room else prompt[: room - 1] + "…"
    left = (_side_title(chosen.baseline, metric), str(chosen.baseline.get("text", "")))
    right = (_side_title(record, metric), str(record.get("text", "")))
    return [f'{head}"{quoted}"', *side_by_side(left, right, width, REPLY_LINES)]


def _title(runs: Sequence[Run], metrics: Sequence[str]) -> list[str]:
    describe = declared(runs).describe
    tasks = ", ".join(dict.fromkeys(run.task or "unfinished" for run in runs))
    if len(runs) > 1:
        first = f"{tasks}: a sweep of {len(runs)} jobs"
    else:
        record = runs[0].records[0]
        prompts = len({r["prompt_id"] for r in runs[0].records})
        layers = layers_label(record["layers"])
        first = (
            f"{tasks}: vector {record['vector']} at layer{'s' * (',' in layers)} {layers}, "
            f"{prompts} prompt{'s' * (prompts != 1)} per strength"
        )
    return [first, *(f"headline {describe(metric)}" for metric in metrics)]


def digest(root: Path, width: int | None = None) -> str:
    """The summary of every run under ``root`` (a run or a sweep directory) as text; empty
    when no run under it holds a record."""
    runs = [run for run in load_runs(root) if run.records]
    if not runs:
        return ""
    width = width or terminal_width()
    frame = metric_frame(runs)
    metrics = headline_metrics(declared(runs), list(dict.fromkeys(frame["metric"])))
    chosen = frame[frame["metric"].isin(metrics) & (frame["group_key"] == OVERALL)]
    summary = summarize(chosen)
    legend = textwrap.wrap(LEGEND, width)
    lines = [*_title(runs, metrics), "", *table(summary, runs, metrics), *legend]
    picked = example(runs, metrics[0]) if metrics else None
    if picked is not None:
        lines += ["", *example_lines(picked, metrics[0], len(runs) > 1, width)]
    lines += ["", f"next: steer compare {root}   (summary.csv, figures, report.html)"]
    return "\n".join(lines)
