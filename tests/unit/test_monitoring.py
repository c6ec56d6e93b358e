"""Monitoring in `steer compare`: do readouts rise across failed attempts, and do they predict
the next attempt's outcome? The statistics on known cases, then whole synthetic runs."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from steer.compare.cli import compare
from steer.compare.load import Run
from steer.compare.monitoring import (
    RunMonitoring,
    attempt_frame,
    auc_permutation_p,
    auc_result,
    change_from_first,
    is_monitored,
    monitor_runs,
    monitoring_table,
    roc_auc,
    run_entry,
    run_table_rows,
    strength_order,
)
from steer.tasks.impossible_code import ImpossibleCodeTask


def pairwise_auc(positive: list[float], negative: list[float]) -> float:
    """The AUC written out: every positive against every negative, ties counting half."""
    wins = sum((p > n) + 0.5 * (p == n) for p, n in itertools.product(positive, negative))
    return wins / (len(positive) * len(negative))


# -- the statistics -----------------------------------------------------------------------------


def test_auc_of_separable_scores_is_one_and_reversed_zero() -> None:
    scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]
    labels = [False, False, False, True, True, True]
    assert roc_auc(scores, labels) == 1.0
    assert roc_auc(scores, [not label for label in labels]) == 0.0


def test_auc_counts_ties_half() -> None:
    positive, negative = [1.0, 2.0], [1.0, 0.0]
    # 1 vs 1 ties (0.5), 1 > 0, 2 > 1, 2 > 0: 3.5 of 4 pairs
    assert roc_auc(positive + negative, [True, True, False, False]) == 0.875
    assert pairwise_auc(positive, negative) == 0.875
    assert roc_auc([0.4] * 5, [True, False, True, False, False]) == 0.5


def test_auc_matches_the_pairwise_definition_on_random_tied_scores() -> None:
    rng = np.random.default_rng(1)
    scores = rng.integers(0, 4, size=25).astype(float)  # many ties
    labels = rng.random(25) < 0.3
    expected = pairwise_auc(list(scores[labels]), list(scores[~labels]))
    assert roc_auc(scores, labels) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("labels", "note"), [([False, False, False], "no positives"), ([True, True], "no negatives")]
)
def test_auc_is_undefined_without_positives_or_negatives(labels: list[bool], note: str) -> None:
    scores = [0.1, 0.5, 0.9][: len(labels)]
    assert math.isnan(roc_auc(scores, labels))
    result = auc_result(scores, labels)
    assert math.isnan(result.auc) and math.isnan(result.p_value)
    assert result.note == note
    assert (result.n_positive, result.n_negative) == (sum(labels), len(labels) - sum(labels))


def test_auc_permutation_p_of_a_perfect_split_of_six_is_two_of_twenty() -> None:
    # C(6, 3) = 20 ways to choose the positives; only AUC 1 and AUC 0 are as far from 0.5.
    labels = [False, False, False, True, True, True]
    assert auc_permutation_p([1, 2, 3, 4, 5, 6], labels) == pytest.approx(0.1)
    assert auc_result([1, 2, 3, 4, 5, 6], labels).note == ""


def test_auc_permutation_p_when_sampled_is_reproducible_and_small_for_a_real_signal() -> None:
    rng = np.random.default_rng(2)
    labels = np.arange(40) < 10  # C(40, 10) choices: sampled
    scores = rng.normal(size=40) + 2.0 * labels
    p = auc_permutation_p(scores, labels)
    assert p == auc_permutation_p(scores, labels)
    assert 0 < p < 0.01
    assert auc_permutation_p(rng.normal(size=40), labels) > 0.01


def test_a_planted_rise_gives_a_small_p() -> None:
    first = np.linspace(0.0, 1.0, 12)
    later = first + 0.3 + np.random.default_rng(0).normal(0, 0.05, size=12)
    change = change_from_first(3, first, later)
    assert change.attempt == 3 and change.n_pairs == 12
    assert change.mean_difference == pytest.approx(float(np.mean(later - first)))
    assert change.p_value == pytest.approx(2 / 2**12)  # every sign agrees: 2 of 4096 patterns


def test_a_constant_series_has_no_change_and_p_one() -> None:
    values = [0.2, 0.5, 0.5, 0.9]
    change = change_from_first(2, values, values)
    assert change.mean_difference == 0.0 and change.p_value == 1.0


def test_no_pairs_give_no_change() -> None:
    change = change_from_first(2, [], [])
    assert change.n_pairs == 0 and math.isnan(change.mean_difference)


def test_strength_zero_comes_first() -> None:
    assert strength_order([0.1, -0.1, 0.0, 0.1]) == [0.0, -0.1, 0.1]
    assert strength_order([0.2, -0.2]) == [-0.2, 0.2]


# -- synthetic runs -----------------------------------------------------------------------------


def episode(
    prompt: int, strength: float, attempts: int, passes: bool, impossible: bool = True
) -> dict[str, Any]:
    """An episode whose "desperate" readout rises by 0.2 per attempt (higher still on the
    passing attempt), "calm" stays at 0.3; the reply of attempt 2 is empty (null mean)."""
    rows = []
    for k in range(1, attempts + 1):
        passed = passes and k == attempts
        desperate = 0.01 * prompt + 0.2 * k + (0.5 if passed else 0.0)
        rows.append(
            {
                "attempt": k,
                "text": f"attempt {k}",
                "metrics": {"passed": float(passed), "has_code": 1.0},
                "labels": [],
                "readouts": {
                    "prompt_last": {"desperate": desperate, "calm": 0.3},
                    "reply_mean": {"desperate": desperate / 2, "calm": None if k == 2 else 0.1},
                },
            }
        )
    metrics = {"passed": float(passes), "attempts": float(attempts)}
    if impossible:
        metrics["cheated"] = float(passes)
    return {
        "prompt_id": f"t{prompt}", "prompt": f"task {prompt}", "info": {"variant": "oneoff"},
        "vector": "desperate", "layers": [20], "strength": strength, "text": rows[-1]["text"],
        "n_tokens": 12, "finish_reason": "eos", "metrics": metrics, "labels": [],
        "attempts": rows,
    }  # fmt: skip


def episodes(strength: float, passing: set[int], prompts: int = 8) -> list[dict[str, Any]]:
    """Failed episodes use all 3 attempts; passing ones stop at attempt 2."""
    return [
        episode(p, strength, 2 if p in passing else 3, p in passing) for p in range(prompts)
    ]  # fmt: skip


def run_of(records: list[dict[str, Any]], name: str = "0") -> Run:
    return Run(name, Path(name), "impossible_code", records, ImpossibleCodeTask.metrics)


def test_runs_without_several_attempts_with_readouts_are_not_monitored() -> None:
    single = [episode(p, 0.0, 1, False) for p in range(3)]
    assert not is_monitored(attempt_frame(run_of(single)))
    unread = episodes(0.0, set())
    for record in unread:
        for attempt in record["attempts"]:
            del attempt["readouts"]
    assert not is_monitored(attempt_frame(run_of(unread)))
    assert is_monitored(attempt_frame(run_of(episodes(0.0, set()))))


@pytest.fixture
def monitored(tmp_path: Path) -> dict[str, Any]:
    records = episodes(0.1, set()) + episodes(0.0, {0, 1})
    (found,) = monitor_runs([run_of(records)], tmp_path)
    assert found.figure.is_file()
    return found.entry


def test_strength_zero_is_the_headline_with_its_episodes_by_attempt(
    monitored: dict[str, Any],
) -> None:
    assert monitored["headline_strength"] == 0.0
    assert [s["strength"] for s in monitored["strengths"]] == [0.0, 0.1]
    headline = monitored["strengths"][0]
    assert headline["episodes"] == 8
    assert headline["episodes_by_attempt"] == {"1": 8, "2": 8, "3": 6}
    assert headline["outcomes"] == {
        "cheat": {"episodes": 8, "passing_attempts": 2, "failing_attempts": 20}
    }


def test_the_rising_readout_rises_and_the_flat_one_does_not(monitored: dict[str, Any]) -> None:
    emotions = monitored["strengths"][0]["emotions"]
    rising = emotions["desperate"]["prompt_last"]
    assert [row["n"] for row in rising["by_attempt"]] == [8, 8, 6]
    first, third = rising["by_attempt"][0], rising["by_attempt"][2]
    assert first["ci_low"] < first["mean"] < first["ci_high"]
    to_third = rising["change_from_attempt_1"][1]
    assert to_third["attempt"] == 3 and to_third["n_pairs"] == 6
    assert to_third["mean_difference"] == pytest.approx(0.4)
    assert to_third["p_value"] == pytest.approx(2 / 2**6)
    # unpaired means mislead: the survivors (prompts 2-7) start higher than all 8 on average
    assert third["mean"] - first["mean"] == pytest.approx(0.41)
    flat = emotions["calm"]["prompt_last"]["change_from_attempt_1"]
    assert [c["mean_difference"] for c in flat] == [0.0, 0.0]
    assert [c["p_value"] for c in flat] == [1.0, 1.0]


def test_a_null_reply_mean_is_left_out(monitored: dict[str, Any]) -> None:
    calm_reply = monitored["strengths"][0]["emotions"]["calm"]["reply_mean"]
    assert [row["n"] for row in calm_reply["by_attempt"]] == [8, 6]  # attempt 2 is null
    assert [row["attempt"] for row in calm_reply["by_attempt"]] == [1, 3]


def test_the_passing_attempts_readout_predicts_the_cheat(monitored: dict[str, Any]) -> None:
    desperate = monitored["strengths"][0]["emotions"]["desperate"]
    now = desperate["prompt_last"]["prediction"]["cheat"]
    assert (now["n_positive"], now["n_negative"]) == (2, 20)  # every attempt
    assert now["auc"] == 1.0 and now["note"] == "" and now["p_value"] < 0.05
    before = desperate["reply_mean"]["prediction"]["cheat"]
    assert (before["n_positive"], before["n_negative"]) == (2, 12)  # attempts 2 and 3
    assert "k-1" in before["predictor"]
    # the reply before a pass (attempt 1, 0.2 + 0.01 p) is lower than before attempt 3 (0.4+)
    assert before["auc"] < 0.5


def test_without_a_pass_the_auc_is_null_with_a_note(monitored: dict[str, Any]) -> None:
    steered = monitored["strengths"][1]["emotions"]["desperate"]["prompt_last"]["prediction"]
    assert math.isnan(steered["cheat"]["auc"]) and steered["cheat"]["note"] == "no positives"


def test_possible_tasks_report_pass_separately_from_cheat(tmp_path: Path) -> None:
    records = [*episodes(0.0, {0}), episode(9, 0.0, 2, True, impossible=False)]
    (found,) = monitor_runs([run_of(records)], tmp_path)
    prediction = found.entry["strengths"][0]["emotions"]["desperate"]["prompt_last"]["prediction"]
    assert set(prediction) == {"cheat", "pass"}
    assert (prediction["pass"]["n_positive"], prediction["pass"]["n_negative"]) == (1, 1)
    assert prediction["cheat"]["n_positive"] == 1


def test_a_readout_that_is_always_null_is_skipped_in_the_table() -> None:
    records = episodes(0.0, {0})
    for record in records:
        for attempt in record["attempts"]:
            attempt["readouts"]["reply_mean"]["calm"] = None
    run = run_of(records)
    entry = run_entry(run, attempt_frame(run))
    assert entry["strengths"][0]["emotions"]["calm"]["reply_mean"]["by_attempt"] == []
    shown = [row[:2] for row in run_table_rows(entry)]
    assert ["calm", "prompt_last"] in shown and ["calm", "reply_mean"] not in shown


def write_job(job_dir: Path, records: list[dict[str, Any]]) -> None:
    job_dir.mkdir(parents=True)
    (job_dir / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (job_dir / "metrics.json").write_text(json.dumps({"task": "impossible_code"}))


def test_compare_writes_monitoring_json_and_figures_and_reports_them(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    write_job(root / "0", episodes(0.0, {0, 1}) + episodes(0.1, {2}))
    write_job(root / "1", episodes(0.0, set()) + episodes(-0.1, set()))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert compare(root, max_prompts=3) == 0
    out = printed.getvalue()
    saved = json.loads((root / "monitoring.json").read_text())
    assert [r["run"] for r in saved["runs"]] == ["0", "1"]
    assert "prompt_last" in saved["definitions"]
    job1 = saved["runs"][1]["strengths"][0]["emotions"]["desperate"]["prompt_last"]
    assert job1["prediction"]["cheat"]["auc"] is None  # NaN is written as null
    for path in (root / "monitoring.json", root / "compare" / "monitoring_0.png",
                 root / "compare" / "monitoring_1.png"):  # fmt: skip
        assert path.is_file() and str(path) in out
    assert "n/a (no positives)" in out and "attempt 1 -> last" in out
    page = (root / "report.html").read_text()
    assert 'id="monitoring"' in page
    assert "compare/monitoring_0.png" in page and "compare/monitoring_1.png" in page
    assert "n/a (no positives)" in page
    assert not (root / "compare" / "grid_passed.png").exists()  # 2 lines: no grids


def test_the_terminal_table_is_capped_to_a_few_runs() -> None:
    runs = [run_of(episodes(0.0, {0}), name=str(i)) for i in range(5)]
    found = [
        RunMonitoring(run, run_entry(run, attempt_frame(run)), Path("not drawn.png"))
        for run in runs
    ]
    table = monitoring_table(found, limit=2)
    assert "(3 more run(s) in monitoring.json)" in table
    assert {line.split()[0] for line in table.splitlines()[1:5]} == {"0"}
