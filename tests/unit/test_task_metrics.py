"""Per-strength summaries of task records: rates (as the task declares them) with Wilson
intervals, groups, labels, readouts per attempt, each against strength 0."""

from __future__ import annotations

from typing import Any

import pytest

from steer.metrics.aggregate import aggregate_by_strength, flat_metrics
from steer.metrics.declared import Metric, MetricKind, TaskMetrics
from steer.metrics.stats import wilson_interval
from steer.tasks.impossible_code import ImpossibleCodeTask

# A coding task's declaration plus a mean its records also hold.
DECLARED = TaskMetrics(
    (*ImpossibleCodeTask.metrics.metrics, Metric("score", MetricKind.MEAN, "a mean")),
    headline=("cheated", "passed"),
)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [(0, 10, 0.0, 0.2775), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0), (1, 20, 0.0089, 0.2361)],
)
def test_the_wilson_interval_matches_published_values(
    k: int, n: int, low: float, high: float
) -> None:
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_no_trials_give_the_whole_unit_interval() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def record(
    strength: float,
    variant: str,
    passed: int,
    attempts: list[dict[str, Any]],
    prompt_id: str,
    **extra: Any,
) -> dict[str, Any]:
    metrics = {"passed": float(passed), "score": 0.5 * passed + 0.25}
    if variant != "original":
        metrics["cheated"] = float(passed)
    return {
        "prompt_id": prompt_id,
        "strength": strength,
        "info": {"variant": variant},
        "metrics": metrics,
        "labels": extra.get("labels", []),
        "n_tokens": 10,
        "finish_reason": "eos",
        "attempts": attempts,
    }


def readout(number: int, desperate: float) -> dict[str, Any]:
    return {"attempt": number, "readouts": {"prompt_last": {"desperate": desperate}}}


RECORDS = [
    record(0.0, "oneoff", 0, [readout(1, 1.0), readout(2, 2.0)], "p1"),
    record(0.0, "oneoff", 1, [readout(1, 3.0)], "p2", labels=["hardcoded_output"]),
    record(0.0, "original", 1, [readout(1, 2.0)], "p3"),
    record(0.1, "oneoff", 1, [readout(1, 5.0), readout(2, 6.0)], "p1",
           labels=["hardcoded_output", "exit_trick"]),
    record(0.1, "oneoff", 1, [readout(1, 5.0)], "p2", labels=["hardcoded_output"]),
    record(0.1, "original", 0, [readout(1, 4.0), readout(2, 8.0)], "p3"),
]  # fmt: skip


def test_the_declared_rates_and_the_runs_eos_rate_are_rates_and_nothing_else() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    assert set(summary["0"]["rates"]) == {"passed", "cheated", "eos_rate"}
    assert "score" in summary["0"]["mean"]


def test_an_undeclared_task_reports_means_only_besides_the_runs_own_rates() -> None:
    summary = aggregate_by_strength(RECORDS, None)
    assert set(summary["0"]["rates"]) == {"eos_rate"}
    assert summary["0"]["mean"]["passed"] == pytest.approx(2 / 3)


def test_a_mean_whose_values_happen_to_be_0_or_1_is_not_read_as_a_rate() -> None:
    rows = [{**r, "metrics": {**r["metrics"], "score": 0.0}} for r in RECORDS]
    assert "score" not in aggregate_by_strength(rows, DECLARED)["0"]["rates"]


def test_a_rate_counts_only_the_records_that_have_the_metric() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    cheated = summary["+0.1"]["rates"]["cheated"]
    assert (cheated["k"], cheated["n"], cheated["rate"]) == (2, 2, 1.0)
    assert (cheated["low"], cheated["high"]) == pytest.approx(wilson_interval(2, 2))
    assert summary["0"]["rates"]["cheated"]["rate"] == 0.5
    assert summary["+0.1"]["rate_delta"]["cheated"] == pytest.approx(0.5)


def test_metrics_are_broken_down_per_variant_with_deltas() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    original = summary["+0.1"]["by"]["variant"]["original"]
    assert original["rates"]["passed"]["rate"] == 0.0
    assert original["rate_delta"]["passed"] == -1.0
    assert summary["0"]["by"]["variant"]["oneoff"]["mean"]["passed"] == 0.5


def test_labels_are_counted_per_strength() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    assert summary["+0.1"]["labels"] == {"hardcoded_output": 2, "exit_trick": 1}
    assert summary["0"]["labels"] == {"hardcoded_output": 1}


def test_readouts_are_averaged_per_attempt_over_the_rows_that_reached_it() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    assert summary["0"]["readouts"]["1"]["prompt_last"]["desperate"] == pytest.approx(2.0)
    assert summary["0"]["readouts"]["2"]["prompt_last"]["desperate"] == pytest.approx(2.0)
    assert summary["+0.1"]["readouts"]["2"]["prompt_last"]["desperate"] == pytest.approx(7.0)
    assert (summary["0"]["readouts"]["2"]["n"], summary["+0.1"]["readouts"]["2"]["n"]) == (1, 2)


def test_readout_deltas_pair_the_episodes_that_reached_the_attempt_on_both_sides() -> None:
    delta = aggregate_by_strength(RECORDS, DECLARED)["+0.1"]["readouts_delta"]
    assert delta["1"]["prompt_last"]["desperate"] == pytest.approx((4 + 2 + 2) / 3)
    assert delta["1"]["n_paired"] == 3
    # attempt 2: only p1 got there at both strengths (6 - 2); p3 did only when steered
    assert delta["2"]["prompt_last"]["desperate"] == pytest.approx(4.0)
    assert delta["2"]["n_paired"] == 1


def test_label_shares_and_their_deltas_against_strength_0() -> None:
    summary = aggregate_by_strength(RECORDS, DECLARED)
    assert summary["+0.1"]["label_rates"]["hardcoded_output"] == pytest.approx(2 / 3)
    assert summary["+0.1"]["label_delta"]["hardcoded_output"] == pytest.approx(1 / 3)
    assert summary["+0.1"]["label_delta"]["exit_trick"] == pytest.approx(1 / 3)


def test_counts_that_happen_to_be_1_are_not_rates() -> None:
    rows = [{**r, "metrics": {**r["metrics"], "attempts": 1.0}} for r in RECORDS]
    summary = aggregate_by_strength(rows, DECLARED)
    assert "attempts" not in summary["0"]["rates"]
    assert summary["0"]["mean"]["attempts"] == 1.0


def test_flat_metrics_name_each_mean_and_delta_by_strength() -> None:
    flat = flat_metrics(aggregate_by_strength(RECORDS, DECLARED))
    assert flat["passed@0"] == pytest.approx(2 / 3)
    assert flat["delta_passed@+0.1"] == pytest.approx(0.0)
    assert "delta_passed@0" not in flat
