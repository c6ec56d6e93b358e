"""Aggregates per strength, each with its delta against strength 0."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np


def strength_key(strength: float) -> str:
    return f"{strength:+g}" if strength else "0"


def aggregate_by_strength(records: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Mean of every numeric metric per strength, with ``delta`` against strength 0."""
    grouped: dict[float, list[Mapping[str, Any]]] = defaultdict(list)
    for record in records:
        grouped[float(record["strength"])].append(record)
    summary: dict[str, dict[str, Any]] = {}
    for strength in sorted(grouped):
        rows = grouped[strength]
        names = sorted(
            {k for r in rows for k, v in r["metrics"].items() if isinstance(v, float | int)}
        )
        means = {name: float(np.mean([r["metrics"][name] for r in rows])) for name in names}
        means["n_tokens"] = float(np.mean([r["n_tokens"] for r in rows]))
        means["eos_rate"] = float(np.mean([r["finish_reason"] == "eos" for r in rows]))
        summary[strength_key(strength)] = {"strength": strength, "n": len(rows), "mean": means}
    baseline = summary.get("0")
    for entry in summary.values():
        if baseline is not None:
            entry["delta"] = {k: v - baseline["mean"][k] for k, v in entry["mean"].items()}
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
