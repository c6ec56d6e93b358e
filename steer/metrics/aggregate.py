"""A run's records summarised per steering strength, each figure with its delta against 0.

Per strength: the mean of every numeric metric (over the records that have it), a rate with a
95% Wilson interval for every metric the task declares a rate (``steer.metrics.declared``; the
run's ``eos_rate`` too), label counts with their share of the records (e.g. cheat types), the
same means and rates per value of each ``info`` key (e.g. per variant), and the mean emotion
readouts per attempt over the rows that reached that attempt (with their number ``n``). Readout
deltas are paired: at attempt k, over the episodes that reached attempt k both at this strength
and at 0.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from steer.metrics.declared import TaskMetrics, with_run_metrics
from steer.metrics.stats import wilson_interval

Record = Mapping[str, Any]


def strength_key(strength: float) -> str:
    return f"{strength:+g}" if strength else "0"


def _numeric(record: Record) -> dict[str, float]:
    values = {
        k: float(v)
        for k, v in record["metrics"].items()
        if isinstance(v, float | int) and not isinstance(v, bool)
    }
    values["n_tokens"] = float(record["n_tokens"])
    values["eos_rate"] = float(record["finish_reason"] == "eos")
    return values


def _means_and_rates(rows: Sequence[Record], rates: set[str]) -> dict[str, Any]:
    columns: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        for name, value in _numeric(row).items():
            columns[name].append(value)
    summary: dict[str, Any] = {
        "n": len(rows),
        "mean": {name: float(np.mean(values)) for name, values in sorted(columns.items())},
    }
    summary["rates"] = {}
    for name in sorted(rates & columns.keys()):
        hits, trials = int(sum(columns[name])), len(columns[name])
        low, high = wilson_interval(hits, trials)
        summary["rates"][name] = {
            "rate": hits / trials,
            "k": hits,
            "n": trials,
            "low": low,
            "high": high,
        }
    return summary


def _readout_values(rows: Sequence[Record]) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """{attempt: {where: {emotion: {prompt_id: value}}}} (None values, empty replies, skipped)."""
    values: dict[str, dict[str, dict[str, dict[str, float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict))
    )
    for row in rows:
        for attempt in row.get("attempts", []):
            for where, readings in (attempt.get("readouts") or {}).items():
                for emotion, value in readings.items():
                    if value is not None:
                        values[str(attempt["attempt"])][where][emotion][row["prompt_id"]] = value
    return values


def _readouts(rows: Sequence[Record]) -> dict[str, dict[str, Any]]:
    """{attempt: {"n": rows that reached it, where: {emotion: mean}}}."""
    reached: Counter[str] = Counter(
        str(a["attempt"]) for r in rows for a in r.get("attempts", []) if a.get("readouts")
    )
    summary: dict[str, dict[str, Any]] = {}
    for number, places in sorted(_readout_values(rows).items(), key=lambda kv: int(kv[0])):
        summary[number] = {"n": reached[number]}
        for where, emotions in places.items():
            summary[number][where] = {
                e: float(np.mean(list(v.values()))) for e, v in emotions.items()
            }
    return summary


def _paired_readout_deltas(rows: Sequence[Record], baseline: Sequence[Record]) -> dict[str, Any]:
    """Mean of (this strength - strength 0) over the episodes at attempt k on both sides."""
    mine, theirs = _readout_values(rows), _readout_values(baseline)
    deltas: dict[str, Any] = {}
    for number, places in mine.items():
        for where, emotions in places.items():
            for emotion, values in emotions.items():
                other = theirs.get(number, {}).get(where, {}).get(emotion, {})
                common = sorted(values.keys() & other.keys())
                if not common:
                    continue
                entry = deltas.setdefault(number, {"n_paired": len(common)})
                entry.setdefault(where, {})[emotion] = float(
                    np.mean([values[k] - other[k] for k in common])
                )
    return deltas


def _delta(value: Any, baseline: Any) -> Any:
    """Entry-wise difference of two nested dicts of numbers (keys missing at 0 are skipped)."""
    if isinstance(value, dict):
        return {k: _delta(v, baseline[k]) for k, v in value.items() if k in baseline}
    return value - baseline


def _attach_deltas(entry: dict[str, Any], baseline: dict[str, Any]) -> None:
    entry["delta"] = _delta(entry["mean"], baseline["mean"])
    entry["rate_delta"] = {
        k: v["rate"] - baseline["rates"][k]["rate"]
        for k, v in entry["rates"].items()
        if k in baseline["rates"]
    }


def aggregate_by_strength(
    records: Sequence[Record], declared: TaskMetrics | None
) -> dict[str, dict[str, Any]]:
    """The summary per strength of ``records`` of a task that declares ``declared`` (None:
    an unknown task, whose metrics are means)."""
    rates = set(with_run_metrics(declared).rates())
    grouped: dict[float, list[Record]] = defaultdict(list)
    for record in records:
        grouped[float(record["strength"])].append(record)
    summary: dict[str, dict[str, Any]] = {}
    for strength in sorted(grouped):
        rows = grouped[strength]
        entry: dict[str, Any] = {"strength": strength, **_means_and_rates(rows, rates)}
        counts = Counter(label for r in rows for label in r.get("labels", []))
        entry["labels"] = dict(counts)
        entry["label_rates"] = {label: count / len(rows) for label, count in counts.items()}
        by: dict[str, dict[str, Any]] = {}
        for key in sorted({k for r in rows for k in r.get("info", {})}):
            values = sorted({str(r["info"][key]) for r in rows if key in r.get("info", {})})
            by[key] = {
                value: _means_and_rates(
                    [r for r in rows if str(r.get("info", {}).get(key)) == value], rates
                )
                for value in values
            }
        entry["by"] = by
        entry["readouts"] = _readouts(rows)
        summary[strength_key(strength)] = entry
    baseline = summary.get("0")
    if baseline is not None:
        for entry in summary.values():
            _attach_deltas(entry, baseline)
            for key, groups in entry["by"].items():
                for value, group in groups.items():
                    if value in baseline["by"].get(key, {}):
                        _attach_deltas(group, baseline["by"][key][value])
            entry["readouts_delta"] = _paired_readout_deltas(
                grouped[float(entry["strength"])], grouped[0.0]
            )
            entry["label_delta"] = {
                label: entry["label_rates"].get(label, 0.0)
                - baseline["label_rates"].get(label, 0.0)
                for label in entry["label_rates"].keys() | baseline["label_rates"].keys()
            }
    return summary


def flat_metrics(summary: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """``{"vader_compound@+0.1": ..., "delta_vader_compound@+0.1": ...}``: what ``run`` returns."""
    flat: dict[str, float] = {}
    for key, entry in summary.items():
        for name, value in entry["mean"].items():
            flat[f"{name}@{key}"] = value
        for name, value in entry.get("delta", {}).items():
            if key != "0":
                flat[f"delta_{name}@{key}"] = value
    return flat
