"""The first section of ``report.html`` (``<section id="headline">``): the answer.

The task's headline dose-response figures (``steer.compare.headline``), then per run / vector /
layers line a compact table: one row per metric (the headline metrics, then the other plotted
ones), one column per strength; each cell is the value over all records with its delta and p
against strength 0 (the 95% interval and n in the cell's tooltip); p < 0.05 is highlighted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from steer.compare.page_parts import escape, image
from steer.compare.summary import number, overall, p_text, signed, strength_text
from steer.metrics.declared import UNDECLARED, TaskMetrics

MAX_TABLES = 6  # lines (run / vector / layers) with their own table; the rest: the full table

CSS = """
section#headline { border-bottom: 2px solid #ccc; padding-bottom: 1em; }
section#headline h2 { margin-top: 0.6em; }
section#headline p.lead { margin: 0.2em 0 0.4em; }
.answer { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; align-items: flex-start; }
.answer figure { margin: 0.3em 0; } .answer figure img { width: 560px; }
.answer h3 { margin: 0.3em 0 0.2em; font-size: 14px; }
table.headline td { text-align: center; min-width: 6.5em; }
table.headline th.metric { text-align: left; }
table.headline tr.main th.metric { font-weight: bold; }
table.headline .v { display: block; font-size: 14px; }
table.headline .dp { display: block; font-size: 11.5px; color: #555; }
nav.contents { font-size: 13px; color: #555; margin: 0.3em 0; }
"""


def _cell(row: pd.Series | None) -> str:
    if row is None:
        return '<td class="note">–</td>'
    interval = ""
    if not math.isnan(row["ci_low"]):
        interval = f"95% CI [{number(row['ci_low'])}, {number(row['ci_high'])}], "
    tip = f"{interval}n = {int(row['n'])}"
    if row["strength"] == 0:
        below, css = "baseline", ""
    else:
        below = f"Δ {signed(row['delta'])} · p {p_text(row['p_value'])}"
        css = ' class="sig"' if row["p_value"] < 0.05 else ""
    return (
        f'<td{css} title="{escape(tip)}"><span class="v">{number(row["value"])}</span>'
        f'<span class="dp">{escape(below)}</span></td>'
    )


def compact_table(rows: pd.DataFrame, metrics: Sequence[str], headline: Sequence[str]) -> str:
    """One line's overall rows: ``metrics`` as rows, strengths as columns."""
    strengths = sorted(set(rows["strength"]))
    head = "".join(
        f"<th>{escape(strength_text(s))}{' (baseline)' if s == 0 else ''}</th>" for s in strengths
    )
    body = []
    for metric in metrics:
        of_metric = rows[rows["metric"] == metric]
        if of_metric.empty:
            continue
        kind = str(of_metric["kind"].iloc[0])
        by_strength = {float(r["strength"]): r for _, r in of_metric.iterrows()}
        cells = "".join(_cell(by_strength.get(s)) for s in strengths)
        css = ' class="main"' if metric in headline else ""
        label = f"{escape(metric)} <small>({escape(kind)})</small>"
        body.append(f'<tr{css}><th class="metric">{label}</th>{cells}</tr>')
    return (
        '<table class="headline"><thead><tr><th>metric</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def headline_section(
    summary: pd.DataFrame,
    headline: Sequence[str],
    dose: Mapping[str, Path],
    several_runs: bool,
    declared: TaskMetrics = UNDECLARED,
) -> str:
    """The headline figures (each metric in the words ``declared`` gives it), then the compact
    table of every plotted metric per line."""
    rows = overall(summary)
    named = "".join(f"<br>headline {escape(declared.describe(m))}" for m in headline)
    figures = [image(dose[m], f"dose_{m}: {m} against strength") for m in headline if m in dose]
    metrics = [*headline, *(m for m in dose if m not in headline)]
    lines = list(rows.groupby(["run", "vector", "layers"], sort=False))
    tables = []
    for (run, vector, layers), line in lines[:MAX_TABLES]:
        if len(lines) > 1:
            where = f"run {run}: " if several_runs else ""
            plural = "s" if "," in str(layers) else ""
            tables.append(f"<h3>{escape(f'{where}{vector} at layer{plural} {layers}')}</h3>")
        tables.append(compact_table(line, metrics, headline))
    if len(lines) > MAX_TABLES:
        tables.append(
            f'<p class="note">{len(lines) - MAX_TABLES} more run / vector / layers lines: '
            "see the grids and the full table below.</p>"
        )
    parts = [
        '<section id="headline">',
        "<h2>Answer</h2>",
        f'<p class="lead">{named[4:]}</p>',
        f'<div class="answer"><div>{"".join(figures)}</div><div>{"".join(tables)}</div></div>',
        '<p class="note">Each cell: the value over all records at that strength, and its delta '
        "and p against strength 0 (Fisher's exact test for rates, paired sign-flip test for "
        "means; highlighted: p &lt; 0.05, not corrected for the number of tests). Hover a "
        "cell for its 95% interval and n. Every row, group and trend: the full table below.</p>",
        "</section>",
    ]
    return "\n".join(parts)
