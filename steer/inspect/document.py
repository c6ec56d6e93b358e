"""``inspect.json``: per prompt its tokens, per-layer norms and readouts under both conditions
and attention summaries; over the set the mean changes and the anomaly flags; the settings."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from steer.inspect.attention import attention_summary
from steer.inspect.inspection import CONDITIONS, Inspection
from steer.inspect.profiles import SPANS, ReadoutSource, relative_change
from steer.inspect.settings import InspectSettings
from steer.steering.plan import SteeringPlan

INSPECT_JSON = "inspect.json"
FIGURES_DIR = "inspect"
DIGITS = 6


def json_ready(value: Any) -> Any:
    """Plain JSON: tensors as lists, floats rounded, NaN and infinities as null."""
    if isinstance(value, torch.Tensor):
        return json_ready(value.tolist())
    if isinstance(value, float):
        return round(value, DIGITS) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value


AttentionSummaries = dict[int, dict[str, list[float]]]  # by layer, then measure: per head


def attention_summaries(inspection: Inspection) -> AttentionSummaries:
    patterns = inspection.patterns
    return {
        layer: attention_summary(patterns["baseline"][layer], patterns["steered"][layer])
        for layer in patterns["baseline"]
    }


def prompt_entry(
    inspection: Inspection,
    emotions: Sequence[str],
    tokens: Sequence[str],
    replies: Mapping[str, str] | None,
    attention: AttentionSummaries,
    figures: Mapping[str, Any],
) -> dict[str, Any]:
    transcript, profiles = inspection.transcript, inspection.profiles
    return {
        "id": transcript.prompt_id,
        "replies": replies,
        "tokens": list(tokens),
        "n_prompt_tokens": len(transcript.prompt_ids),
        "n_reply_tokens": len(transcript.reply_ids),
        "norms": {c: {s: profiles[c].norms[s] for s in SPANS} for c in CONDITIONS},
        "displacement": {s: inspection.displacement[s] for s in SPANS},
        "readouts": {
            c: {
                s: {e: profiles[c].readouts[s][:, i] for i, e in enumerate(emotions)} for s in SPANS
            }
            for c in CONDITIONS
        },
        "attention": attention,
        "figures": dict(figures),
    }


def _nanmean(rows: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.stack(list(rows)).nanmean(dim=0)


def _norm_change(inspection: Inspection, span: str) -> torch.Tensor:
    profiles = inspection.profiles
    return relative_change(profiles["baseline"].norms[span], profiles["steered"].norms[span])


def set_summary(
    inspections: Sequence[Inspection], attention: Sequence[AttentionSummaries]
) -> dict[str, Any]:
    """Means over prompts: per layer (and span) the relative norm change and the displacement
    |steered - baseline| / |baseline|; per attention layer the mean |steered - baseline|
    attention weight over heads."""
    if not inspections:
        return {"norm_change": {}, "displacement": {}, "attention_mean_abs_diff": {}}
    norm_change = {span: _nanmean([_norm_change(i, span) for i in inspections]) for span in SPANS}
    mean_change = {
        layer: statistics.fmean(statistics.fmean(a[layer]["mean_abs_diff"]) for a in attention)
        for layer in attention[0]
    }
    moved = {span: _nanmean([i.displacement[span] for i in inspections]) for span in SPANS}
    return {
        "norm_change": norm_change,
        "displacement": moved,
        "attention_mean_abs_diff": mean_change,
    }


def headline_metrics(
    summary: Mapping[str, Any], steering_layers: Sequence[int], n_flags: int
) -> dict[str, float]:
    """What ``steer inspect`` returns (and a sweep could optimise): flags and changes."""
    metrics: dict[str, float] = {"flags": float(n_flags)}
    for measure in ("norm_change", "displacement"):
        for span, values in summary[measure].items():
            for layer in steering_layers:
                metrics[f"{measure}_{span}@L{layer}"] = float(values[layer])
    for layer, value in summary["attention_mean_abs_diff"].items():
        metrics[f"attention_mean_abs_diff@L{layer}"] = value
    return metrics


ANOMALY_RULE = (
    "|value - mean| > z_threshold * std over the prompt set, per series (condition, span, "
    "kind, layer, emotion); population std (ddof 0) of the finite values; NaN never flagged; "
    "a constant series flags nothing"
)


def inspect_document(
    settings: InspectSettings,
    plan: SteeringPlan,
    source: ReadoutSource,
    prompts: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    flags: Sequence[Mapping[str, object]],
) -> dict[str, Any]:
    return {
        "settings": {
            **settings.record(),
            "vector": plan.label,
            "steering_layers": plan.layers,
            "site": plan.refs[0].site.value,
            "unit": plan.unit,
            "positions": plan.positions,
            "engine": {"generation": plan.engine.value, "inspection": "bridge"},
            "readouts": source.record(),
            "spans": list(SPANS),
            "anomaly_rule": ANOMALY_RULE,
        },
        "prompts": list(prompts),
        "summary": dict(summary),
        "flags": list(flags),
    }
