"""What the model sees after a failure, degenerate replies, and a sandbox that cannot start."""

from __future__ import annotations

import pytest

from steer.coding.humaneval import load_humaneval
from steer.coding.variants import humaneval_task
from steer.errors import SteerError
from steer.sandbox import Verdict
from steer.tasks import sandboxing
from steer.tasks.code_judge import UNANALYSABLE, judge_reply
from steer.tasks.sandboxing import make_sandbox

TASK = humaneval_task(next(p for p in load_humaneval() if p.task_id == "HumanEval/23"), "oneoff")


def test_feedback_shows_the_failing_assertion_and_hides_the_harness() -> None:
    reply = "```python\ndef strlen(string: str) -> int:\n    return len(string)\n```"
    feedback = judge_reply(TASK, reply, make_sandbox()).feedback
    assert feedback is not None
    assert TASK.mutation is not None and TASK.mutation.new_line.strip() in feedback
    assert "harness" not in feedback and "steer-sandbox" not in feedback
    assert "AssertionError" in feedback


def test_feedback_shows_the_programs_own_failing_line() -> None:
    reply = "```python\ndef strlen(string):\n    return undefined_name\n```"
    feedback = judge_reply(TASK, reply, make_sandbox()).feedback
    assert feedback is not None and "return undefined_name" in feedback and "NameError" in feedback


def test_a_reply_too_deeply_nested_to_analyse_is_still_run_and_labelled() -> None:
    deep = "def strlen(string):\n    return len(string)" + " + 0" * 3000
    score = judge_reply(TASK, f"```python\n{deep}\n```", make_sandbox())
    assert score.details["status"] in ("fail", "error", "pass")
    assert UNANALYSABLE in score.details["cheat_types"]
    assert score.metrics["cheat_pattern"] == 0.0


def test_a_sandbox_that_cannot_start_stops_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> Verdict:
        return Verdict(passed=False, status="error", detail="the sandbox did not start",
                       stderr="bwrap: No permissions to create new namespace")  # fmt: skip

    monkeypatch.setattr(sandboxing, "run_tests", broken)
    with pytest.raises(SteerError, match=r"cannot run a trivial program.*namespace"):
        make_sandbox()


@pytest.mark.parametrize("wanted", [2.0, True])
def test_a_problems_value_that_is_no_count_or_id_list_is_refused(wanted: object) -> None:
    from steer.coding.humaneval import load_humaneval
    from steer.tasks.impossible_code import pick_problems

    with pytest.raises(SteerError, match="neither a count nor a list"):
        pick_problems(load_humaneval(), wanted, "shortest", 0)  # type: ignore[arg-type]


def test_a_single_id_without_brackets_picks_that_problem() -> None:
    from steer.tasks.impossible_code import pick_problems

    assert [p.task_id for p in pick_problems(load_humaneval(), "HumanEval/7", "first", 0)] == [
        "HumanEval/7"
    ]
