"""The summary `steer run` prints at the end: each task's headline metrics, the table with
intervals, deltas and p, the example chosen for the largest change, hostile text made safe,
and jobs told apart by their overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steer.compare.columns import side_by_side, wrapped
from steer.compare.digest import digest
from steer.compare.headline import headline_metrics
from steer.metrics.declared import UNDECLARED, combined
from steer.tasks.blackmail import BlackmailTask
from steer.tasks.custom import CustomTask
from steer.tasks.impossible_code import ImpossibleCodeTask
from steer.tasks.prompts import PromptsTask
from steer.tasks.sycophancy import SycophancyTask
from tests.helpers import write_task_run


def test_each_task_leads_with_the_headline_metrics_it_declares() -> None:
    present = ["attempts", "cheated", "n_tokens", "passed", "vader_compound"]
    assert headline_metrics(ImpossibleCodeTask.metrics, present) == ["passed", "cheated"]
    assert headline_metrics(PromptsTask.metrics, present) == ["vader_compound"]
    assert headline_metrics(CustomTask.metrics, ["n_words", "vader_compound"]) == ["vader_compound"]
    both = combined([BlackmailTask.metrics, SycophancyTask.metrics])
    assert headline_metrics(both, ["blackmail", "sycophantic"]) == ["blackmail", "sycophantic"]
    assert headline_metrics(UNDECLARED, ["n_tokens", "passed"]) == ["n_tokens"]  # unknown task
    assert headline_metrics(PromptsTask.metrics, ["n_tokens"]) == ["n_tokens"]


@pytest.fixture()
def coding_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "code"
    write_task_run(run_dir)  # impossible_code; at +0.5 every prompt passes, at 0 only t0
    return run_dir


def test_a_run_summary_gives_rates_with_interval_delta_and_p(coding_run: Path) -> None:
    text = digest(coding_run, width=100)
    lines = text.splitlines()
    assert lines[0] == "impossible_code: vector desperate at layers 10,20, 6 prompts per strength"
    assert lines[1] == "headline passed: pass rate"
    header = next(line for line in lines if line.startswith("strength"))
    assert header.split() == [
        "strength", "passed", "[95%", "CI]", "delta", "p", "cheated", "[95%", "CI]", "delta", "p",
    ]  # fmt: skip
    baseline = next(line for line in lines if line.startswith("0 (baseline)"))
    assert "0.167 [0.0301, 0.564]" in baseline and "+0.833" not in baseline
    steered = next(line for line in lines if line.startswith("+0.5"))
    assert steered.count("1 [0.61, 1]") == 2 and steered.count("+0.833") == 2
    assert steered.count("0.015") == 2  # Fisher's exact test, 6/6 against 1/6
    assert lines[-1].startswith(f"next: steer compare {coding_run} ")


def test_the_example_is_the_prompt_that_changed_most_side_by_side(coding_run: Path) -> None:
    text = digest(coding_run, width=100)
    assert 'example: t1 (its passed changed most): "Write f for t1."' in text  # t0 passed at 0
    pair = text.split("example:")[1].splitlines()[1:3]
    assert pair[0].startswith("strength 0 (baseline): passed 0") and "| strength +0.5" in pair[0]
    assert "attempt 2 at +0: def f(): return 2" in pair[1]
    assert "attempt 3 at +0.5: def f(): return 3" in pair[1]
    assert all(len(line) <= 100 for line in text.split("example:")[1].splitlines()[:-2])


def test_a_sweep_summary_names_each_job_by_what_differs(coding_run: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    for job, layer in (("0", 10), ("1", 20)):
        write_task_run(sweep / job)
        (sweep / job / ".hydra").mkdir()
        overrides = ["task=impossible_code", f"steering.layers=[{layer}]"]
        (sweep / job / ".hydra" / "overrides.yaml").write_text(json.dumps(overrides))
    text = digest(sweep, width=100)
    assert text.startswith("impossible_code: a sweep of 2 jobs\n")
    rows = [line for line in text.splitlines() if line.startswith(("0 ", "1 "))]
    assert [row.split()[:3] for row in rows] == [
        ["0", "steering.layers=[10]", "0"],
        ["1", "steering.layers=[20]", "0"],
    ]
    assert "(job 0, its passed changed most)" in text


def test_control_characters_in_model_text_never_reach_the_terminal() -> None:
    hostile = "calm\x1b[2J\x1b[31mred\rback\x07 and\n\nmore"
    lines = wrapped(hostile, 40, 3)
    assert lines == ["calm\ufffd[2J\ufffd[31mred back\ufffd and more"]
    assert not any(c in "".join(lines) for c in "\x1b\r\x07\n")


def test_long_replies_are_trimmed_to_their_column() -> None:
    lines = side_by_side(("left", "word " * 100), ("right", "short"), width=60, max_lines=3)
    assert len(lines) == 4  # the titles and 3 lines
    assert all(len(line) <= 60 for line in lines)
    assert lines[3].split("|")[0].rstrip().endswith("…")
    assert lines[1].endswith("| short")
