"""The check over all 164 problems, and the trusted runner it uses.

The canonical solutions are trusted code: they run in plain subprocesses here. Model code
never goes through these functions (it goes to the sandbox).
"""

from __future__ import annotations

import os

import pytest

from steer.coding.check import CheckReport, check_all, verdict
from steer.coding.humaneval import HUMANEVAL_SIZE, load_humaneval
from steer.coding.trusted import TrustedCase, TrustedResult, run_trusted, run_trusted_batch
from steer.coding.variants import humaneval_task

# Problems allowed to have no impossible variant, each with the reason. None today: every
# problem has an assertion on the candidate's output.
JUSTIFIED_SKIPS: dict[str, str] = {}
# Problems whose every assertion computes its expected value at run time (a random root of a
# polynomial; random strings round-tripped through an encoder), so no literal can change and
# the comparison is negated instead.
NEGATED: frozenset[str] = frozenset({"HumanEval/32", "HumanEval/38", "HumanEval/50"})


@pytest.fixture(scope="module")
def report() -> CheckReport:
    return check_all(seed=0)


def test_every_original_passes_with_its_canonical_solution(report: CheckReport) -> None:
    assert report.n_problems == HUMANEVAL_SIZE == 164
    assert report.generated["original"] == report.confirmed["original"] == 164


def test_every_impossible_variant_fails_at_its_mutated_line(report: CheckReport) -> None:
    assert report.failures == [], report.summary()
    for variant in ("oneoff", "conflicting"):
        assert report.confirmed[variant] == report.generated[variant]
        assert report.generated[variant] == 164 - len(JUSTIFIED_SKIPS), report.summary()
    assert report.ok


def test_no_problem_is_skipped_without_a_named_justification(report: CheckReport) -> None:
    skipped = {key.split()[0] for key in report.skipped}
    assert skipped <= set(JUSTIFIED_SKIPS), report.skipped
    assert len(report.skipped) == 2 * len(JUSTIFIED_SKIPS)


def test_values_are_changed_wherever_the_tests_spell_them_out(report: CheckReport) -> None:
    negated = report.rules.get("oneoff/negated", 0) + report.rules.get("conflicting/negated", 0)
    assert negated == 2 * len(NEGATED)
    for problem in load_humaneval():
        for variant in ("oneoff", "conflicting"):
            task = humaneval_task(problem, variant, seed=0)
            assert task.mutation is not None
            assert (task.mutation.rule == "negated") == (problem.task_id in NEGATED)


def test_the_check_runs_well_within_90_seconds(report: CheckReport) -> None:
    assert report.seconds < 90, report.summary()


def test_the_check_holds_for_other_seeds() -> None:
    assert check_all(seed=7).ok


def _result(error: str | None, line: int | None) -> TrustedResult:
    return TrustedResult("x", error, line, None)


def test_the_verdict_rejects_a_variant_that_passes_or_fails_elsewhere() -> None:
    task = humaneval_task(load_humaneval()[0], "oneoff", seed=0)
    assert task.mutation is not None
    line = task.mutation.new_line_index + 1
    assert verdict(task, _result("AssertionError", line)) is None
    assert "passes" in str(verdict(task, _result(None, None)))
    assert "not the mutated" in str(verdict(task, _result("AssertionError", line + 1)))
    assert "not an assertion" in str(verdict(task, _result("NameError", line)))
    original = humaneval_task(load_humaneval()[0])
    assert verdict(original, _result(None, None)) is None
    assert verdict(original, _result("AssertionError", 3)) is not None


def test_run_trusted_reports_pass_and_failure() -> None:
    assert run_trusted("x = 1\nassert x == 1")
    assert not run_trusted("assert 1 == 2")
    assert not run_trusted("raise ValueError('no')")
    assert not run_trusted("def f(:\n")


def test_run_trusted_does_not_count_an_early_exit_as_a_pass() -> None:
    assert not run_trusted("import sys\nsys.exit(0)\nassert False")
    assert not run_trusted("import os\nos._exit(0)")


def test_run_trusted_times_out_and_gets_an_empty_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not run_trusted("while True:\n    pass", timeout=1.0)
    monkeypatch.setenv("STEER_TEST_SECRET", "hunter2")
    assert "STEER_TEST_SECRET" in os.environ
    assert run_trusted("import os\nassert 'STEER_TEST_SECRET' not in os.environ")


def test_a_batch_isolates_globals_and_locates_failures_in_the_tests() -> None:
    cases = [
        TrustedCase("defines", "leak = 1\ndef f():\n    return 2\n", "assert f() == 2\n"),
        TrustedCase("isolated", "def f():\n    return 2\n", "assert 'leak' not in globals()\n"),
        TrustedCase("fails", "def f():\n    return 2\n", "x = 1\n\nassert f() == 3\n"),
        TrustedCase("exits", "import sys\nsys.exit(0)\n", "assert True\n"),
        TrustedCase("loops", "while True:\n    pass\n", "assert True\n"),
        TrustedCase("prints", "print('noise')\n", "assert True\n"),
    ]
    results = {r.name: r for r in run_trusted_batch(cases, workers=2, case_timeout=1.0)}
    assert results["defines"].passed and results["isolated"].passed and results["prints"].passed
    assert (results["fails"].error, results["fails"].tests_line) == ("AssertionError", 3)
    assert results["exits"].error == "SystemExit"
    assert results["loops"].error == "TimeoutError"
