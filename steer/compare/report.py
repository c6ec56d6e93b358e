"""``report.html``: one self-contained page (inline CSS, images as base64 data URIs, no scripts).

It leads with the answer and ends with the details, each part a ``<section>`` named in a
contents line under the title:

1. ``#headline``: the task's headline dose-response figures and a compact table per run /
   vector / layers (metrics as rows, strengths as columns; ``steer.compare.report_headline``);
2. ``#generations``: per run and prompt the baseline (strength 0) reply beside each steered
   reply (each pair in a ``.pair``), every attempt of multi-attempt episodes, with word-level
   differences marked (``<del class="diff-del">`` in the baseline, ``<ins class="diff-ins">``
   in the steered reply);
3. ``#figures``: the other dose-response figures and the per-metric grids of comparisons with
   3 or more lines;
4. ``#monitoring``: per multi-attempt run with readouts, its figure and headline table;
5. ``#inspect``: any ``steer inspect`` figures found under the compared path;
6. ``#full-table``: the flat summary table (``#summary``: the rows over all records; per-group
   rows folded again), collapsed in a ``<details>``.

Model text is hostile: every piece of it is escaped with ``html.escape``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from steer.compare.headline import declared
from steer.compare.load import OVERALL, Run, layers_label
from steer.compare.monitoring import MONITORING, TABLE_HEADER, RunMonitoring, run_table_rows
from steer.compare.page_parts import escape, image
from steer.compare.report_headline import CSS as HEADLINE_CSS
from steer.compare.report_headline import headline_section
from steer.compare.summary import number, overall, p_text, signed, strength_text
from steer.compare.trigger import TABLE_HEADER as TRIGGER_HEADER
from steer.compare.trigger import TriggeredRun, setting_text

MAX_TEXT_CHARS = 6000
MAX_PROMPT_CHARS = 3000
MAX_INSPECT_IMAGES = 30
COMPARE_DIR = "compare"

CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1300px;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
code, pre { font: 12.5px/1.4 ui-monospace, monospace; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0.3em 0; }
table { border-collapse: collapse; font-size: 12.5px; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; position: sticky; top: 0; text-align: center; }
td.text { text-align: left; }
tr.baseline td { background: #fafafa; color: #666; }
td.sig { font-weight: bold; background: #fff3cd; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { width: 600px; max-width: 100%; border: 1px solid #eee; }
figure.wide { display: block; } figure.wide img { width: 100%; }
figure.grid img { width: auto; }
figure.natural { display: block; } figure.natural img { width: auto; }
figcaption { font-size: 12px; color: #555; }
.prompt { margin: 1.2em 0 0.4em; }
.prompt > summary { cursor: pointer; font-weight: 600; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 0.8em; margin: 0.4em 0 0.8em; }
.side { border: 1px solid #ddd; border-radius: 4px; padding: 0.4em 0.6em; min-width: 0; }
.side h4 { margin: 0 0 0.2em; font-size: 13px; }
.side.baseline { background: #fafafa; }
.facts { font-size: 12px; color: #555; }
.attempt-no { font-size: 11.5px; color: #777; margin-top: 0.4em; }
.diff-del { background: #fdd; text-decoration: line-through; }
.diff-ins { background: #cfc; text-decoration: none; }
.note { color: #666; font-style: italic; }
"""


def capped(text: str, limit: int) -> tuple[str, str]:
    """The text cut at ``limit`` characters, and a note saying how much was cut."""
    if len(text) <= limit:
        return text, ""
    return text[:limit], f"[... {len(text) - limit} more characters not shown]"


def _words(text: str) -> list[str]:
    """Words, each with the whitespace after it, so joining them gives the text back."""
    return re.findall(r"\s+\S*\s*|\S+\s*", text) if text else []


def word_diff(baseline: str, steered: str) -> tuple[str, str]:
    """Both texts as escaped HTML, words only in the baseline in ``<del class="diff-del">``
    and words only in the steered text in ``<ins class="diff-ins">``."""
    old, new = _words(baseline), _words(steered)
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = escape("".join(old[i1:i2])), escape("".join(new[j1:j2]))
        if tag == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f'<del class="diff-del">{removed}</del>')
        if added:
            right.append(f'<ins class="diff-ins">{added}</ins>')
    return "".join(left), "".join(right)


def _estimate(row: pd.Series) -> str:
    if math.isnan(row["ci_low"]):
        return number(row["value"])
    return f"{number(row['value'])} [{number(row['ci_low'])}, {number(row['ci_high'])}]"


def _table(rows: pd.DataFrame, table_id: str | None, with_group: bool) -> str:
    heads = ["run", "task", "vector", "layers"] + (["group"] if with_group else [])
    heads += ["metric", "kind", "strength", "n", "value [95% CI]", "baseline", "delta", "p"]
    heads += ["trend ρ", "trend p"]
    body = []
    for _, row in rows.iterrows():
        texts = [row["run"], row["task"] if isinstance(row["task"], str) else ""]
        texts += [row["vector"], row["layers"]]
        if with_group:
            texts.append(f"{row['group_key']}={row['group_value']}")
        texts += [row["metric"], row["kind"]]
        cells = [f'<td class="text">{escape(t)}</td>' for t in texts]
        p_cell = '<td class="sig">' if row["p_value"] < 0.05 else "<td>"
        cells += [
            f"<td>{strength_text(row['strength'])}</td>",
            f"<td>{int(row['n'])}</td>",
            f"<td>{_estimate(row)}</td>",
            f"<td>{number(row['baseline'])}</td>",
            f"<td>{signed(row['delta'])}</td>",
            f"{p_cell}{p_text(row['p_value'])}</td>",
            f"<td>{number(row['trend_rho'])}</td>",
            f"<td>{p_text(row['trend_p'])}</td>",
        ]
        kind = ' class="baseline"' if row["strength"] == 0 else ""
        body.append(f"<tr{kind}>{''.join(cells)}</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    attribute = f' id="{table_id}"' if table_id else ' class="groups"'
    return f"<table{attribute}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def full_table_section(summary: pd.DataFrame) -> str:
    """Every overall row (``#summary``) and, folded again, every per-group row; collapsed."""
    rows = overall(summary)
    groups = summary[summary["group_key"] != OVERALL]
    parts = [
        '<section id="full-table"><h2>Full table</h2>',
        f"<details><summary>Every run x metric x strength ({len(rows)} rows over all records"
        f"{f'; {len(groups)} per group' if len(groups) else ''})</summary>",
        '<p class="note">Value with its 95% interval (Wilson for rates, Student t for means); '
        "delta and p against strength 0 in the same run (Fisher's exact test for rates, paired "
        "sign-flip permutation test over prompts for means); trend: Spearman's correlation "
        "of the per-record metric with strength. Bold: p &lt; 0.05 (not corrected for the "
        "number of tests). See docs/compare.md.</p>",
        _table(rows, "summary", with_group=False),
    ]
    if not groups.empty:
        parts.append(
            f"<details><summary>Per group ({len(groups)} rows)</summary>"
            f"{_table(groups, None, with_group=True)}</details>"
        )
    parts.append("</details></section>")
    return "\n".join(parts)


def _facts(entry: dict[str, Any]) -> str:
    """A record's or attempt's metrics and labels as one short line."""
    metrics = entry.get("metrics") or {}
    parts = [
        f"{escape(k)}={number(float(v))}"
        for k, v in metrics.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    ]
    if entry.get("finish_reason"):
        parts.append(f"end: {escape(entry['finish_reason'])}")
    if entry.get("labels"):
        parts.append("labels: " + escape(", ".join(str(x) for x in entry["labels"])))
    return f'<div class="facts">{" · ".join(parts)}</div>'


def _attempts(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    if record is None:
        return []
    return list(record.get("attempts") or [{"attempt": 1, "text": record.get("text", "")}])


def _side(record: dict[str, Any] | None, title: str, texts: Sequence[str], css: str) -> str:
    parts = [f'<div class="side {css}"><h4>{escape(title)}</h4>']
    if record is None:
        parts.append('<p class="note">no record at this strength</p></div>')
        return "".join(parts)
    parts.append(_facts(record))
    attempts = _attempts(record)
    for attempt, text in zip(attempts, texts, strict=True):
        if len(attempts) > 1:
            parts.append(f'<div class="attempt-no">attempt {escape(attempt.get("attempt"))}</div>')
            parts.append(_facts(attempt))
        parts.append(f"<pre>{text}</pre>")
    parts.append("</div>")
    return "".join(parts)


def _plain_texts(record: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Each attempt's reply, capped: (text, note about the cut)."""
    return [capped(str(a.get("text", "")), MAX_TEXT_CHARS) for a in _attempts(record)]


def pair(baseline: dict[str, Any] | None, steered: dict[str, Any], strength: float) -> str:
    """Baseline beside one steered reply, attempt by attempt, differences marked."""
    old, new = _plain_texts(baseline), _plain_texts(steered)
    left: list[str] = []
    right: list[str] = []
    for index in range(max(len(old), len(new))):
        if index < len(old) and index < len(new):
            removed, added = word_diff(old[index][0], new[index][0])
            left.append(removed + escape(old[index][1]))
            right.append(added + escape(new[index][1]))
        elif index < len(old):
            left.append(escape(old[index][0]) + escape(old[index][1]))
        else:
            right.append(escape(new[index][0]) + escape(new[index][1]))
    return (
        '<div class="pair">'
        + _side(baseline, "strength 0 (baseline)", left, "baseline")
        + _side(steered, f"strength {strength_text(strength)}", right, "steered")
        + "</div>"
    )


def _prompt_block(prompt_id: str, records: list[dict[str, Any]]) -> str:
    first = records[0]
    info = ", ".join(f"{k}={v}" for k, v in sorted((first.get("info") or {}).items()))
    prompt, cut = capped(str(first.get("prompt", "")), MAX_PROMPT_CHARS)
    head = (prompt.strip().splitlines() or [""])[0][:120]
    by_strength = {float(r["strength"]): r for r in records}
    baseline = by_strength.get(0.0)
    pairs = [pair(baseline, r, s) for s, r in sorted(by_strength.items()) if s != 0.0]
    if not pairs and baseline is not None:
        pairs = [pair(baseline, baseline, 0.0)]
    title = f"{escape(prompt_id)}{f' ({escape(info)})' if info else ''}: {escape(head)}"
    if prompt.strip() == head and not cut:  # a one-line prompt: its title says it all
        shown = f'<div class="prompt"><b>{title}</b></div>'
    else:
        shown = (
            f'<details class="prompt"><summary>{title}</summary>'
            f"<pre>{escape(prompt)}{escape(cut)}</pre></details>"
        )
    return shown + "".join(pairs)


def generations_section(run: Run, max_prompts: int, readouts: Path | None) -> str:
    """A run's prompts, each baseline beside every steered reply."""
    parts = [f"<h2>Generations: run {escape(run.label)}</h2>"]
    if run.task:
        parts.append(f"<p>task: <code>{escape(run.task)}</code></p>")
    if readouts is not None:
        parts.append(image(readouts, f"emotion readouts by attempt, run {run.label}", wide=True))
    by_setting: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    for record in run.records:
        setting = (str(record["vector"]), layers_label(record["layers"]))
        by_setting.setdefault(setting, {}).setdefault(str(record["prompt_id"]), []).append(record)
    if not by_setting:
        parts.append('<p class="note">no complete records yet</p>')
    for (vector, layers), prompts in by_setting.items():
        parts.append(f"<h3>vector {escape(vector)} at layers {escape(layers)}</h3>")
        if len(prompts) > max_prompts:
            parts.append(
                f'<p class="note">showing the first {max_prompts} of {len(prompts)} prompts '
                "(--max-prompts)</p>"
            )
        for prompt_id, records in list(prompts.items())[:max_prompts]:
            parts.append(_prompt_block(prompt_id, records))
    return "\n".join(parts)


def inspect_images(root: Path) -> list[Path]:
    """PNGs of `steer inspect` under ``root``: in ``inspect/`` folders or beside inspect.json."""
    found = set(root.rglob("inspect/*.png"))
    for marker in root.rglob("inspect.json"):
        found |= set(marker.parent.glob("*.png"))
    ours = root / COMPARE_DIR
    return sorted(p for p in found if ours not in p.parents)[:MAX_INSPECT_IMAGES]


def _figures(title: str, figures: Iterable[tuple[Path, str]]) -> str:
    shown = [image(path, caption) for path, caption in figures]
    return f"<h2>{escape(title)}</h2>" + "".join(shown) if shown else ""


def grids_section(grids: Sequence[Path]) -> str:
    """The per-metric grids (lines x strengths), each at its own size (it grows with rows)."""
    if not grids:
        return ""
    shown = [image(path, f"{COMPARE_DIR}/{path.name}", css_class="grid") for path in grids]
    note = (
        '<p class="note">One row per run / vector / layers, one column per strength; each cell '
        "is the value over all records (* p &lt; 0.05 against strength 0), coloured by its "
        "delta against the same row's strength 0.</p>"
    )
    return "<h2>Grids</h2>" + note + "".join(shown)


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="text">{escape(cell)}</td>' for cell in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def monitoring_section(monitored: Sequence[RunMonitoring]) -> str:
    """Per monitored run: its figure and the headline strength's table."""
    if not monitored:
        return ""
    parts = [
        "<h2>Monitoring</h2>",
        '<p class="note">Do the emotion readouts rise across failed attempts, and do they '
        "predict the next attempt's outcome? At the headline strength (0, unsteered, when "
        "present): mean readout at attempt 1 and at the last attempt; the change between them "
        "paired over the episodes that reached the last attempt, with its sign-flip p; the ROC "
        "AUC of prompt_last at attempt k and of reply_mean of attempt k-1 for attempt k "
        "passing (a cheat on impossible tasks), with positive/negative attempts. Every "
        f"strength and attempt: {MONITORING}. See docs/compare.md.</p>",
    ]
    for item in monitored:
        strength = strength_text(float(item.entry["headline_strength"]))
        parts.append(f"<h3>run {escape(item.run.label)}, strength {escape(strength)}</h3>")
        caption = f"{COMPARE_DIR}/{item.figure.name}: readouts by attempt, run {item.run.label}"
        parts.append(image(item.figure, caption, css_class="natural"))
        parts.append(_text_table(TABLE_HEADER, run_table_rows(item.entry)))
    return "\n".join(parts)


def trigger_section(triggered: Sequence[TriggeredRun]) -> str:
    """Per readout-triggered run: where the trigger fired, per strength, and its figure."""
    if not triggered:
        return ""
    parts = [
        "<h2>Triggered steering</h2>",
        '<p class="note">Reply tokens produced at a position where the monitored readout '
        "exceeded the threshold (at strength 0 it fires without steering: where it would "
        "steer), attempts in which it fired at all, prompt positions fired, and the mean "
        "monitored readout over the reply tokens. See docs/compare.md.</p>",
    ]
    for item in triggered:
        parts.append(f"<h3>run {escape(item.run.label)}: {escape(setting_text(item.setting))}</h3>")
        caption = f"{COMPARE_DIR}/{item.figure.name}: monitored readout along the replies"
        parts.append(image(item.figure, caption, css_class="natural"))
        parts.append(_text_table(TRIGGER_HEADER, item.rows))
    return "\n".join(parts)


def _contents(sections: Sequence[tuple[str, str, str]]) -> str:
    links = " · ".join(f'<a href="#{anchor}">{escape(name)}</a>' for anchor, name, _ in sections)
    return f'<nav class="contents">Contents: {links}</nav>'


def render(
    root: Path,
    runs: Sequence[Run],
    summary: pd.DataFrame,
    dose: Mapping[str, Path],
    readouts: dict[str, Path],
    max_prompts: int,
    grids: Sequence[Path] = (),
    monitored: Sequence[RunMonitoring] = (),
    triggered: Sequence[TriggeredRun] = (),
    headline: Sequence[str] = (),
) -> str:
    """The whole page as text: the answer first, the full table last."""
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    title = f"steer compare: {root}"
    names = ", ".join(run.name for run in runs)
    inspected = [(p, p.relative_to(root).as_posix()) for p in inspect_images(root)]
    others = ((path, metric) for metric, path in dose.items() if metric not in headline)
    task = declared(runs)
    figures = _figures("Dose-response: the other metrics", others) + grids_section(grids)
    replies = "\n".join(generations_section(r, max_prompts, readouts.get(r.name)) for r in runs)
    sections = [
        ("headline", "Answer", headline_section(summary, headline, dose, len(runs) > 1, task)),
        ("generations", "Replies side by side", replies),
        ("figures", "More figures", figures),
        ("monitoring", "Monitoring", monitoring_section(monitored)),
        ("trigger", "Triggered steering", trigger_section(triggered)),
        ("inspect", "Inspect", _figures("Inspect", inspected)),
        ("full-table", "Full table", full_table_section(summary)),
    ]
    present = [(anchor, name, text) for anchor, name, text in sections if text]
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(when)} · {len(runs)} run(s): {escape(names)}</p>",
        _contents(present),
        *(
            text if text.startswith("<section") else f'<section id="{anchor}">{text}</section>'
            for anchor, _, text in present
        ),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}{HEADLINE_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_report(path: Path, page: str) -> Path:
    path.write_text(page, encoding="utf-8")
    return path
