"""The summary table of `steer compare`: one row per run x vector x layers x group x metric x
strength, with its baseline, delta, test against strength 0 and dose-response trend.

A cell is one run, vector, layers, group (``group_key``/``group_value``: an ``info`` key of the
records and one of its values, both empty for the rows over all records) and metric. Per
strength of a cell:

- ``n``: the records with the metric; ``value``: the rate (kind ``rate``: the run's task
  declares the metric a 0/1 rate, ``steer.metrics.declared``) or the mean (kind ``mean``);
- ``ci_low``/``ci_high``: 95% Wilson interval for a rate, 95% Student t interval for a mean
  (NaN with fewer than 2 records);
- ``baseline``: the value at strength 0 in the same cell; ``delta`` = value - baseline;
- ``p_value``: the difference from strength 0, two-sided: Fisher's exact test on the 2x2 table
  of hits and misses for a rate; for a mean, the paired sign-flip permutation test on the
  per-prompt differences (strength s minus strength 0, records paired by ``prompt_id``; prompts
  missing either side are left out of the test): exact enumeration of all sign patterns up to
  13 pairs, else 10,000 random patterns from seed 0. NaN at strength 0;
- ``trend_rho``/``trend_p``: Spearman's correlation between strength and the per-record metric
  over every strength of the cell (the same on every row of the cell; NaN when either is
  constant).

See ``steer.compare.stats`` for the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from steer.compare import stats
from steer.compare.load import OVERALL

CELL = ["run", "task", "vector", "layers", "group_key", "group_value", "metric"]
COLUMNS = [
    "run", "task", "vector", "layers", "group_key", "group_value", "strength", "metric", "kind",
    "n", "value", "ci_low", "ci_high", "baseline", "delta", "p_value", "trend_rho", "trend_p",
]  # fmt: skip
TERMINAL_METRICS = 4


def _per_prompt(cell: pd.DataFrame) -> pd.DataFrame:
    """The cell's mean value per prompt (rows) and strength (columns): the pairing."""
    return cell.groupby(["prompt_id", "strength"])["value"].mean().unstack("strength")


def _paired_differences(per_prompt: pd.DataFrame, strength: float) -> np.ndarray:
    """Per prompt: value at ``strength`` minus value at 0, for prompts that have both."""
    if 0.0 not in per_prompt.columns:
        return np.array([])
    return (per_prompt[strength] - per_prompt[0.0]).dropna().to_numpy(dtype=float)


def _strength_row(
    values: np.ndarray, base: np.ndarray, differences: np.ndarray, kind: str
) -> dict[str, float]:
    if kind == "rate":
        hits, trials = int(values.sum()), len(values)
        low, high = stats.rate_interval(hits, trials)
        p = stats.fisher_p(hits, trials, int(base.sum()), len(base))
    else:
        low, high = stats.mean_interval(values)
        p = stats.sign_flip_p(differences)
    return {"n": len(values), "value": float(values.mean()), "ci_low": low, "ci_high": high,
            "p_value": p}  # fmt: skip


def _cell_rows(key: tuple[Any, ...], cell: pd.DataFrame) -> list[dict[str, Any]]:
    kind = str(cell["kind"].iloc[0])
    strengths = cell["strength"].to_numpy(dtype=float)
    values = cell["value"].to_numpy(dtype=float)
    rho, trend_p = stats.spearman(strengths, values)
    base = values[strengths == 0.0]
    baseline = float(base.mean()) if len(base) else math.nan
    per_prompt = _per_prompt(cell)
    rows = []
    for strength in sorted(set(strengths)):
        at_strength = values[strengths == strength]
        if strength == 0.0:
            row = _strength_row(at_strength, base, np.array([]), kind)
            row["p_value"] = math.nan
        else:
            row = _strength_row(at_strength, base, _paired_differences(per_prompt, strength), kind)
        rows.append(
            {
                **dict(zip(CELL, key, strict=True)),
                "strength": float(strength),
                "kind": kind,
                **row,
                "baseline": baseline,
                "delta": row["value"] - baseline,
                "trend_rho": rho,
                "trend_p": trend_p,
            }
        )
    return rows


def summarize(frame: pd.DataFrame) -> pd.DataFrame:
    """The summary of a long metric table (``steer.compare.load.metric_frame``)."""
    rows = [
        row
        for key, cell in frame.groupby(CELL, sort=False, dropna=False)
        for row in _cell_rows(key, cell)
    ]
    summary = pd.DataFrame(rows, columns=COLUMNS)
    run_order = {name: i for i, name in enumerate(frame["run"].unique())}
    order = summary.assign(
        _run=summary["run"].map(run_order),
        _overall=summary["group_key"] != OVERALL,
        _rate=summary["kind"] != "rate",
    )
    by = ["_run", "vector", "layers", "_overall", "group_key", "group_value", "_rate", "metric"]
    order = order.sort_values([*by, "strength"], kind="stable")
    return summary.loc[order.index].reset_index(drop=True)


def overall(summary: pd.DataFrame) -> pd.DataFrame:
    """The rows over all records (no group)."""
    return summary[summary["group_key"] == OVERALL]


def varying_metrics(frame: pd.DataFrame) -> set[str]:
    """Metrics whose per-record values are not all the same across every run."""
    counts = frame.groupby("metric")["value"].nunique()
    return set(counts[counts > 1].index)


def ranked_metrics(
    summary: pd.DataFrame, varying: set[str], order: Sequence[str] = ()
) -> list[str]:
    """Metrics in the order they are shown: in ``order`` (the tasks' declared metrics, as
    they declare them), then other rates, then means; metrics that never vary come last."""
    rows = overall(summary)
    rates = set(rows.loc[rows["kind"] == "rate", "metric"])
    names = list(dict.fromkeys(rows["metric"]))
    position = {name: i for i, name in enumerate(dict.fromkeys(order))}

    def rank(name: str) -> tuple[int, int, int, str]:
        return (name not in varying, position.get(name, len(position)), name not in rates, name)

    return sorted(names, key=rank)


def write_summary(summary: pd.DataFrame, path: Path) -> Path:
    summary.to_csv(path, index=False)
    return path


def number(value: float) -> str:
    """A figure as a short text: 3 significant digits, whole numbers from 100 up; '-' for NaN."""
    if math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def strength_text(strength: float) -> str:
    """``-0.1``, ``0``, ``+0.1``."""
    return f"{strength:+g}" if strength else "0"


def signed(value: float) -> str:
    return "-" if math.isnan(value) else ("+" if value >= 0 else "") + number(value)


def p_text(p: float) -> str:
    if math.isnan(p):
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows of text cells as columns padded to their widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def terminal_table(
    summary: pd.DataFrame,
    varying: set[str],
    headline: Sequence[str] = (),
    order: Sequence[str] = (),
) -> str:
    """Per run, vector, layers and strength: the main metrics with delta and p vs strength 0.

    The task's headline metrics come first even when they never vary: a cheat rate of 0 at
    every strength is the answer, not a column to leave out. The others follow ``order``
    (``ranked_metrics``)."""
    rows = overall(summary)
    ranked = ranked_metrics(summary, varying, order)
    present = set(rows["metric"])
    first = [m for m in headline if m in present]
    rest = [m for m in ranked if m in varying and m not in first]
    metrics = (first + rest)[: max(TERMINAL_METRICS, len(first))] or ranked[:2]
    header = ["run", "vector", "layers", "strength", *metrics]
    lines = [header]
    keys = ["run", "vector", "layers", "strength"]
    for key, at in rows.groupby(keys, sort=False):
        cells = [str(part) for part in key[:3]] + [strength_text(float(at["strength"].iloc[0]))]
        for metric in metrics:
            found = at[at["metric"] == metric]
            if found.empty:
                cells.append("")
                continue
            row = found.iloc[0]
            text = number(row["value"])
            if row["strength"] != 0:
                text += f" ({signed(row['delta'])}, p={p_text(row['p_value'])})"
            cells.append(text)
        lines.append(cells)
    legend = "value (delta vs strength 0, p: Fisher's exact for rates, sign-flip for means)"
    return aligned(lines) + "\n" + legend
