"""Each task declares its metrics (kind, direction, headline, the one a sweep optimises), and
aggregation, compare and the value `steer run` returns to Hydra read that declaration."""

from __future__ import annotations

from pathlib import Path

import pytest

from steer.cli.config_errors import compose_config
from steer.cli.run_app import returned_value, run_headline
from steer.compare.load import load_run
from steer.metrics.declared import Metric, MetricKind, TaskMetrics
from steer.metrics.text import TEXT_METRICS, text_metrics
from steer.tasks.declarations import by_name, by_target
from steer.tasks.impossible_code import ImpossibleCodeTask
from steer.tasks.prompts import PromptsTask
from tests.helpers import write_task_run

TASKS = sorted(p.stem for p in (Path(__file__).parents[2] / "conf" / "task").glob("*.yaml"))


@pytest.mark.parametrize("task", TASKS)
def test_every_shipped_task_declares_its_metrics_and_a_headline(task: str) -> None:
    cfg = compose_config([f"task={task}"])
    declared = by_target(str(cfg.task._target_))
    assert declared is not None and declared is by_name(task)
    assert declared.headline and declared.returned
    assert set(declared.headline) <= set(declared.names)


def test_the_text_metrics_are_exactly_the_declared_ones() -> None:
    assert set(text_metrics("I am happy today")) == {m.name for m in TEXT_METRICS}


def test_a_headline_or_outcome_that_is_not_declared_is_refused() -> None:
    rate = Metric("passed", MetricKind.RATE, "pass rate")
    with pytest.raises(ValueError, match="not declared as metrics: cheated"):
        TaskMetrics((rate,), headline=("passed", "cheated"))
    with pytest.raises(ValueError, match="declared twice: passed"):
        TaskMetrics((rate, rate))


def test_an_impossible_code_sweep_returns_the_change_in_its_cheat_rate() -> None:
    cfg = compose_config(["task=impossible_code"])
    prefixes = run_headline(cfg)
    assert prefixes[:2] == ["delta_cheated@", "delta_passed@"]
    flat = {
        "delta_vader_compound@+0.1": 0.7,
        "delta_passed@+0.1": 0.25,
        "delta_cheated@-0.1": -0.1,
        "delta_cheated@+0.1": 0.5,
    }
    assert returned_value(flat, prefixes) == 0.5  # the last (largest) strength's
    # only possible tasks (no cheat metric): the pass rate's change
    assert returned_value({"delta_passed@+0.1": 0.25}, prefixes) == 0.25


def test_a_prompts_sweep_still_returns_the_change_in_sentiment() -> None:
    prefixes = run_headline(compose_config([]))
    assert prefixes == ["delta_vader_compound@"]
    assert returned_value({"delta_vader_compound@+0.1": 0.3}, prefixes) == 0.3


def test_compare_reads_the_kinds_a_run_declares(tmp_path: Path) -> None:
    write_task_run(tmp_path / "run")
    run = load_run(tmp_path / "run", tmp_path)
    assert run.declared.kind("cheated") is MetricKind.RATE
    assert run.declared.kind("attempts") is MetricKind.COUNT
    assert run.declared.kind("n_tokens") is MetricKind.COUNT  # the run's own
    assert run.declared.kind("no_such_metric") is MetricKind.MEAN


def test_sentiment_is_a_mean_even_when_every_reply_scores_0() -> None:
    assert PromptsTask.metrics.kind("vader_compound") is MetricKind.MEAN
    assert "vader_compound" not in PromptsTask.metrics.rates()
    assert ImpossibleCodeTask.metrics.rates() >= {"passed", "cheated"}
