"""Monitoring: do the emotion readouts rise across failed attempts, and do they predict the
next attempt's outcome?

For every run whose episodes have 2 or more attempts with readouts (``task.max_attempts`` > 1
with ``readouts=bank``), per strength (strength 0, the unsteered monitoring case, first), per
emotion and per place (``prompt_last``: the last prompt token of the prompt the model answered
at attempt k, which holds the earlier failed attempts and their feedback; ``reply_mean``: the
mean over the reply of attempt k; both read by an unsteered forward pass):

- ``by_attempt``: the readout's mean, n and 95% Student t interval at each attempt (over the
  episodes that reached it: a pass ends an episode);
- ``change_from_attempt_1``: for each later attempt k, the readout at k minus the readout at
  attempt 1, paired within each episode that reached k: mean difference, number of pairs and
  the two-sided paired sign-flip permutation p (``steer.compare.stats.sign_flip_p``: exact up
  to 13 pairs);
- ``prediction``: the ROC AUC of a readout for the outcome of attempt k: the metric the task
  declares as its attempt outcome (``TaskMetrics.attempt_outcome``, ``passed`` for coding
  tasks). Where the record's outcome metrics hold the task's declared cheat metric (``cheated``:
  an impossible task) a pass is a cheat: the outcome is named ``cheat`` there and ``pass`` on
  possible tasks, and the two are reported separately. The predictor is the ``prompt_last``
  readout at attempt k (the state the model answers from), or the ``reply_mean`` readout of
  attempt k-1 (k >= 2).
  AUC = P(score of a positive attempt > score of a negative one), ties counting half (the
  Mann-Whitney U over n_positive x n_negative); null, with a note, when there are no positive
  or no negative attempts. Its two-sided permutation p shuffles which attempts are positive:
  P(|AUC - 0.5| >= observed), exact when there are at most 10,000 ways to choose the positives,
  else 10,000 random shuffles from seed 0 and p = (1 + hits) / (1 + 10,000).

Writes ``monitoring.json`` (NaN as null) and ``compare/monitoring_<run>.png``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd

from steer.compare.auc import (
    AucResult,
    Change,
    auc_permutation_p,
    auc_result,
    change_from_first,
    readout_at_attempt,
    roc_auc,
)
from steer.compare.load import Run, layers_label
from steer.compare.monitoring_plot import CHEAT, PASS, PLACES, monitoring_figure
from steer.compare.plots import safe_name
from steer.compare.stats import NAN
from steer.compare.summary import aligned, number, p_text, signed, strength_text
from steer.json_files import write_json

__all__ = [
    "MONITORING",
    "PLACES",
    "AucResult",
    "Change",
    "RunMonitoring",
    "auc_permutation_p",
    "auc_result",
    "change_from_first",
    "monitor_runs",
    "monitoring_table",
    "roc_auc",
    "run_table_rows",
    "write_monitoring",
]

MONITORING = "monitoring.json"
PREDICTORS = {
    "prompt_last": "prompt_last at attempt k -> outcome of attempt k",
    "reply_mean": "reply_mean of attempt k-1 -> outcome of attempt k (k >= 2)",
}
MAX_TERMINAL_RUNS = 3
FRAME_COLUMNS = ["strength", "episode", "attempt", "outcome", "passed", "place", "emotion", "value"]
DEFINITIONS = {
    "prompt_last": "readout at the last token of the prompt the model answered at attempt k "
    "(earlier failed attempts and their feedback included); unsteered forward pass",
    "reply_mean": "readout averaged over the reply of attempt k; unsteered forward pass",
    "by_attempt": "mean, n and 95% Student t interval over the episodes that reached attempt k",
    "change_from_attempt_1": "readout at attempt k minus attempt 1 within each episode that "
    "reached k: mean difference, n_pairs, two-sided paired sign-flip permutation p",
    "outcome": "attempt k's metrics.passed; named 'cheat' on impossible tasks (records whose "
    "metrics hold 'cheated') and 'pass' on possible ones",
    "prediction": "ROC AUC (Mann-Whitney, ties count half) of the predictor for the outcome, "
    "with the numbers of positive and negative attempts and a two-sided label-permutation p; "
    "null when there are no positives or no negatives",
    "predictors": PREDICTORS,
}


# -- from records to tables ---------------------------------------------------------------------


def _passed(attempt: dict[str, Any], metric: str | None) -> float:
    value = (attempt.get("metrics") or {}).get(metric) if metric else None
    return float(value) if isinstance(value, int | float) else NAN


def attempt_frame(run: Run) -> pd.DataFrame:
    """One row per episode (record) x attempt x place x emotion, with the attempt's outcome
    (column ``passed``: the task's declared attempt outcome, NaN without one) and the
    episode's outcome name (``cheat`` where its metrics hold the declared cheat metric, else
    ``pass``)."""
    rows: list[tuple[Any, ...]] = []
    judged_by, cheat = run.declared.attempt_outcome, run.declared.cheat
    for episode, record in enumerate(run.records):
        outcome = CHEAT if cheat and cheat in (record.get("metrics") or {}) else PASS
        for attempt in record.get("attempts") or []:
            readouts = attempt.get("readouts") or {}
            for place in PLACES:
                for emotion, value in (readouts.get(place) or {}).items():
                    reading = NAN if value is None else float(value)  # an empty reply's mean
                    rows.append(
                        (float(record["strength"]), episode, int(attempt["attempt"]), outcome,
                         _passed(attempt, judged_by), place, str(emotion), reading)
                    )  # fmt: skip
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


def is_monitored(frame: pd.DataFrame) -> bool:
    """Whether some episode has readouts at 2 or more attempts."""
    return not frame.empty and int(frame.groupby("episode")["attempt"].nunique().max()) >= 2


def strength_order(strengths: Sequence[float]) -> list[float]:
    """Strength 0 (the unsteered monitoring case) first, then the others in order."""
    return sorted(set(strengths), key=lambda s: (s != 0.0, s))


def _predictions(
    readings: pd.Series, place: str, outcomes: pd.DataFrame
) -> dict[str, dict[str, Any]]:
    """Per outcome name: the AUC of the place's predictor for the outcome of attempt k."""
    if place == "reply_mean":  # the reply of attempt k-1 predicts attempt k
        episodes = readings.index.get_level_values("episode")
        attempts = readings.index.get_level_values("attempt") + 1
        readings = pd.Series(
            readings.to_numpy(),
            index=pd.MultiIndex.from_arrays([episodes, attempts], names=["episode", "attempt"]),
        )
    joined = outcomes.join(readings.rename("score"), how="inner").dropna(subset=["score"])
    found: dict[str, dict[str, Any]] = {}
    for name in (CHEAT, PASS):
        chosen = joined[joined["outcome"] == name]
        if not chosen.empty:
            result = auc_result(chosen["score"], chosen["passed"] > 0)
            found[name] = {"predictor": PREDICTORS[place], **asdict(result)}
    return found


def _place_entry(cell: pd.DataFrame, place: str, outcomes: pd.DataFrame) -> dict[str, Any]:
    readings = cell.set_index(["episode", "attempt"])["value"].dropna()
    table = readings.unstack("attempt").sort_index(axis=1)
    attempts = [int(a) for a in table.columns]
    by_attempt = [readout_at_attempt(a, table[a].dropna()) for a in attempts]
    changes = []
    if 1 in attempts:
        for later in attempts[1:]:
            pairs = table[[1, later]].dropna()
            changes.append(asdict(change_from_first(later, pairs[1], pairs[later])))
    return {
        "by_attempt": by_attempt,
        "change_from_attempt_1": changes,
        "prediction": _predictions(readings, place, outcomes),
    }


def strength_entry(frame: pd.DataFrame, strength: float) -> dict[str, Any]:
    """Every statistic of one strength of a run."""
    outcomes = (
        frame.drop_duplicates(["episode", "attempt"])
        .set_index(["episode", "attempt"])[["outcome", "passed"]]
        .dropna(subset=["passed"])
    )
    reached = frame.groupby("attempt")["episode"].nunique()
    outcome_counts = {
        str(name): {
            "episodes": int(part.index.get_level_values("episode").nunique()),
            "passing_attempts": int((part["passed"] > 0).sum()),
            "failing_attempts": int((part["passed"] <= 0).sum()),
        }
        for name, part in outcomes.groupby("outcome")
    }
    emotions: dict[str, dict[str, Any]] = {}
    for (emotion, place), cell in frame.groupby(["emotion", "place"], sort=False):
        entry = _place_entry(cell, str(place), outcomes)
        emotions.setdefault(str(emotion), {})[str(place)] = entry
    return {
        "strength": strength,
        "episodes": int(frame["episode"].nunique()),
        "episodes_by_attempt": {str(a): int(n) for a, n in reached.items()},
        "outcomes": outcome_counts,
        "emotions": emotions,
    }


def run_entry(run: Run, frame: pd.DataFrame) -> dict[str, Any]:
    """A run's monitoring.json entry: every strength, strength 0 first."""
    strengths = strength_order([float(s) for s in frame["strength"]])
    return {
        "run": run.name,
        "task": run.task,
        "vectors": sorted({str(r["vector"]) for r in run.records}),
        "layers": sorted({layers_label(r["layers"]) for r in run.records}),
        "headline_strength": strengths[0],
        "strengths": [strength_entry(frame[frame["strength"] == s], s) for s in strengths],
    }


# -- putting it together ------------------------------------------------------------------------


@dataclass(frozen=True)
class RunMonitoring:
    run: Run
    entry: dict[str, Any]  # the run's monitoring.json entry
    figure: Path


def monitor_runs(runs: Sequence[Run], out_dir: Path) -> list[RunMonitoring]:
    """Statistics and a figure for every run with readouts over 2 or more attempts."""
    found = []
    for run in runs:
        frame = attempt_frame(run)
        if not is_monitored(frame):
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        entry = run_entry(run, frame)
        path = out_dir / f"monitoring_{safe_name(run.label)}.png"
        found.append(RunMonitoring(run, entry, monitoring_figure(run, frame, entry, path)))
    return found


def _json_safe(value: Any) -> Any:
    """NaN (and infinities) as null, floats rounded to 6 decimals, recursively."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float | np.floating):
        return round(float(value), 6) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_monitoring(monitored: Sequence[RunMonitoring], path: Path) -> Path:
    write_json(
        path,
        _json_safe({"definitions": DEFINITIONS, "runs": [m.entry for m in monitored]}),
    )
    return path


# -- the table ----------------------------------------------------------------------------------


TABLE_HEADER = ["emotion", "place", "attempt 1 -> last", "change", "p", "AUC"]
TABLE_LEGEND = (
    "monitoring at strength {strength}: mean readout at attempt 1 -> the last attempt (n);\n"
    "change: last attempt minus attempt 1, paired within the episodes that reached it, "
    "p: sign-flip;\nAUC: prompt_last at k / reply_mean of k-1 for attempt k passing (a cheat "
    "on impossible tasks),\n(positive+/negative- attempts), p: label permutation"
)


def _auc_text(prediction: dict[str, dict[str, Any]]) -> str:
    if not prediction:
        return "n/a (no outcome)"
    parts = []
    for name, result in prediction.items():
        if math.isnan(result["auc"]):
            parts.append(f"{name} n/a ({result['note']})")
        else:
            counts = f"{result['n_positive']}+/{result['n_negative']}-"
            parts.append(f"{name} {result['auc']:.2f} ({counts}, p={p_text(result['p_value'])})")
    return "; ".join(parts)


def run_table_rows(entry: dict[str, Any]) -> list[list[str]]:
    """The headline strength's rows (without header): emotion, place, attempt 1 -> last mean,
    paired change, p, AUC."""
    rows = []
    for emotion, places in entry["strengths"][0]["emotions"].items():
        for place, found in places.items():
            by_attempt = found["by_attempt"]
            if not by_attempt:  # every value null (e.g. every reply empty)
                continue
            first, last = by_attempt[0], by_attempt[-1]
            trajectory = (
                f"{number(first['mean'])} -> {number(last['mean'])} (n {first['n']} -> {last['n']})"
            )
            changes = found["change_from_attempt_1"]
            change, p = "-", "-"
            if changes:
                final = changes[-1]
                change = f"{signed(final['mean_difference'])} ({final['n_pairs']} pairs)"
                p = p_text(final["p_value"])
            rows.append([emotion, place, trajectory, change, p, _auc_text(found["prediction"])])
    return rows


def monitoring_table(monitored: Sequence[RunMonitoring], limit: int = MAX_TERMINAL_RUNS) -> str:
    """The terminal's monitoring table: the headline strength of the first ``limit`` runs."""
    lines = [["run", *TABLE_HEADER]]
    for item in monitored[:limit]:
        lines += [[item.run.name, *row] for row in run_table_rows(item.entry)]
    strengths = {strength_text(float(m.entry["headline_strength"])) for m in monitored[:limit]}
    text = aligned(lines) + "\n" + TABLE_LEGEND.format(strength=", ".join(sorted(strengths)))
    if len(monitored) > limit:
        text += f"\n({len(monitored) - limit} more run(s) in {MONITORING})"
    return text
