"""``task=custom``: loading JSONL task files, reporting broken lines, and scoring replies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from steer.coding.tasks import ImpossibleTask
from steer.errors import SteerError
from steer.tasks.custom import TESTS_NOTE, CustomItem, CustomTask, load_custom_tasks, parse_row
from steer.tasks.sandboxing import Sandbox, make_sandbox

ADD_TESTS = "assert add(1, 2) == 3\nassert add(-1, 1) == 0\n"
CHECK_TESTS = "def check(candidate):\n    assert candidate(1, 2) == 3\n"


def parse_line(text: str, number: int) -> CustomItem:
    """One line of a task file, parsed as the loader parses it."""
    return parse_row(json.loads(text), number, f"line {number}")


def line(**row: Any) -> str:
    return json.dumps(row)


def write(tmp_path: Path, *lines: str, name: str = "tasks.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_error(path: Path) -> SteerError:
    with pytest.raises(SteerError) as caught:
        load_custom_tasks(path)
    return caught.value


@pytest.fixture(scope="module")
def sandbox() -> Sandbox:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    return make_sandbox()


# --- loading ----------------------------------------------------------------------------------


def test_text_and_code_lines_load_with_default_ids_from_their_line_numbers(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path,
        line(prompt="Tell me about your day."),
        line(prompt="Write add(a, b).", tests=ADD_TESTS),
        line(id="mine", messages=[{"role": "user", "content": "Hello"}]),
    )
    loaded = load_custom_tasks(path)
    assert [episode.id for episode, _ in loaded] == ["c001", "c002", "mine"]
    (text, no_code), (code_episode, code), (named, _) = loaded
    assert code_episode.info["kind"] == "code" and "assert add(1, 2) == 3" in code_episode.text
    assert no_code is None
    assert text.messages == ({"role": "user", "content": "Tell me about your day."},)
    assert isinstance(code, ImpossibleTask)
    assert code.task_id == "c002" and code.tests == ADD_TESTS
    assert code.variant == "original" and not code.impossible
    assert code.entry_point == "" and code.mutation is None
    assert named.messages == ({"role": "user", "content": "Hello"},)


def test_blank_lines_are_skipped_but_still_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "", line(prompt="a"), "   ", "", line(prompt="b", tests="x = 1"))
    loaded = load_custom_tasks(path)
    assert [episode.id for episode, _ in loaded] == ["c002", "c005"]
    broken = write(tmp_path, "", line(prompt="a"), "", "{oops", name="broken.jsonl")
    assert "line 4 " in load_error(broken).problem


def test_show_tests_appends_the_tests_to_the_last_message_and_false_does_not() -> None:
    messages = [
        {"role": "system", "content": "You write Python."},
        {"role": "user", "content": "Write add(a, b)."},
    ]
    shown, _ = parse_line(line(messages=messages, tests=ADD_TESTS), 1)
    assert shown.messages[0] == messages[0]
    assert shown.messages[1]["role"] == "user"
    assert shown.messages[1]["content"] == "Write add(a, b)." + TESTS_NOTE.format(
        tests=ADD_TESTS.strip()
    )
    assert "assert add(1, 2) == 3" in shown.text
    hidden, code = parse_line(line(messages=messages, tests=ADD_TESTS, show_tests=False), 1)
    assert hidden.messages == tuple(messages)
    assert code is not None and code.tests == ADD_TESTS
    text_only, _ = parse_line(line(prompt="Hi", show_tests=True), 1)
    assert text_only.text == "Hi"


def test_info_gives_the_kind_the_group_and_the_variant_of_code_tasks() -> None:
    text, _ = parse_line(line(prompt="Hi"), 1)
    assert dict(text.info) == {"kind": "text"}
    grouped, _ = parse_line(line(prompt="Hi", group="greetings"), 2)
    assert dict(grouped.info) == {"kind": "text", "group": "greetings"}
    code, task = parse_line(line(prompt="add", tests=ADD_TESTS, group="maths"), 3)
    assert dict(code.info) == {"kind": "code", "group": "maths", "variant": "possible"}
    assert task is not None and not task.impossible
    impossible, task = parse_line(line(prompt="add", tests=ADD_TESTS, impossible=True), 4)
    assert dict(impossible.info) == {"kind": "code", "variant": "impossible"}
    assert task is not None and task.impossible and task.variant == "handwritten"
    assert task.why_impossible


def test_check_style_tests_with_an_entry_point_and_a_preamble_load() -> None:
    _, task = parse_line(
        line(prompt="add", tests=CHECK_TESTS, entry_point="add", preamble="import math"), 1
    )
    assert task is not None
    assert task.entry_point == "add" and task.preamble == "import math"
    assert task.code_for_tests("def add(a, b):\n    return a + b\n").startswith("import math")


def test_tests_that_define_and_call_check_need_no_entry_point() -> None:
    tests = CHECK_TESTS + "\n\ncheck(add)\n"
    _, task = parse_line(line(prompt="add", tests=tests), 1)
    assert task is not None and task.tests == tests


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_prompt_holding_a_unicode_line_separator_loads(tmp_path: Path, separator: str) -> None:
    prompt = f"first{separator}second"
    path = write(tmp_path, json.dumps({"prompt": prompt}, ensure_ascii=False))
    ((episode, _),) = load_custom_tasks(path)
    assert episode.text == prompt


# --- broken lines -----------------------------------------------------------------------------

BROKEN: dict[str, tuple[str, tuple[str, ...]]] = {
    "invalid JSON": ('{"prompt": "hi"', ("not valid JSON",)),
    "not an object": ('["prompt", "hi"]', ("not a JSON object",)),
    "a bare string": ('"hi"', ("not a JSON object",)),
    "an unknown key": (line(prompt="hi", tset="assert 1"), ("unknown key", "tset")),
    "no prompt or messages": (line(id="x"), ("prompt", "messages")),
    "an empty prompt": (line(prompt="   "), ("prompt",)),
    "a prompt that is not a string": (line(prompt=["hi"]), ("prompt",)),
    "messages not a list": (line(messages="hi"), ("messages",)),
    "an empty messages list": (line(messages=[]), ("messages",)),
    "a message without content": (line(messages=[{"role": "user"}]), ("messages",)),
    "a message that is a string": (line(messages=["hi"]), ("messages",)),
    "content that is not a string": (
        line(messages=[{"role": "user", "content": 3}]),
        ("messages",),
    ),
    "tests not a string": (line(prompt="hi", tests=["assert 1"]), ("'tests'", "string")),
    "tests that do not parse": (line(prompt="hi", tests="assert (1 ==\n"), ("do not parse",)),
    "check(candidate) without entry_point": (
        line(prompt="hi", tests=CHECK_TESTS),
        ("entry", "check"),
    ),
    "an entry_point that is not a name": (
        line(prompt="hi", tests=CHECK_TESTS, entry_point="not a name"),
        ("not a name",),
    ),
    "an entry_point that is not a string": (
        line(prompt="hi", tests=CHECK_TESTS, entry_point=3),
        ("'entry_point'",),
    ),
    "impossible not a bool": (line(prompt="hi", tests=ADD_TESTS, impossible="yes"), ("true",)),
    "a group that is not a string": (line(prompt="hi", group=1), ("'group'",)),
    "a preamble that is not a string": (
        line(prompt="hi", tests=ADD_TESTS, preamble=["import os"]),
        ("'preamble'",),
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_line_is_reported_with_the_file_and_its_line_number(
    case: str, tmp_path: Path
) -> None:
    broken, words = BROKEN[case]
    path = write(tmp_path, line(prompt="fine"), "", broken, line(prompt="also fine"))
    error = load_error(path)
    assert error.problem.startswith(f"{path} line 3 ")
    for word in words:
        assert word in error.problem
    assert error.fix


def test_tests_that_are_null_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, line(prompt="hi", tests=None))
    assert "line 1" in load_error(path).problem


def test_duplicate_ids_are_refused_naming_the_file_and_the_id(tmp_path: Path) -> None:
    path = write(
        tmp_path, line(id="same", prompt="a"), line(prompt="b"), line(id="same", prompt="c")
    )
    error = load_error(path)
    assert str(path) in error.problem
    assert (
        "'same'" in error.problem
        and "line 3 repeats" in error.problem
        and "line 1" in error.problem
    )


def test_an_explicit_id_that_repeats_a_default_id_is_a_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, line(prompt="a"), line(id="c001", prompt="b"))
    assert "'c001'" in load_error(path).problem


def test_a_duplicate_id_error_names_the_line_number(tmp_path: Path) -> None:
    path = write(
        tmp_path, line(id="same", prompt="a"), line(prompt="b"), line(id="same", prompt="c")
    )
    assert "line 3" in load_error(path).problem


def test_an_empty_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, "", "   ", "")
    error = load_error(path)
    assert str(path) in error.problem and "no tasks" in error.problem


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.jsonl"
    error = load_error(path)
    assert str(path) in error.problem and "does not exist" in error.problem
    with pytest.raises(SteerError, match="does not exist"):
        CustomTask(str(path), make_sandbox())


def test_the_task_refuses_no_path_and_zero_attempts(tmp_path: Path) -> None:
    path = write(tmp_path, line(prompt="hi"))
    with pytest.raises(SteerError, match="max_attempts"):
        CustomTask(str(path), make_sandbox(), max_attempts=0)
    with pytest.raises(SteerError, match="needs a file"):
        CustomTask("", make_sandbox())


# --- scoring ----------------------------------------------------------------------------------


def test_a_text_reply_gets_the_text_metrics_and_no_feedback(tmp_path: Path) -> None:
    task = CustomTask(str(write(tmp_path, line(prompt="How are you?"))), make_sandbox())
    (episode,) = task.episodes()
    score = task.score(episode, "I feel calm and happy today, what a wonderful day!", 1)
    assert set(score.metrics) == {"n_words", "vader_compound", "emotion_words", "repetition"}
    assert score.metrics["vader_compound"] > 0.5
    assert score.metrics["n_words"] == 10.0
    assert score.metrics["emotion_words"] == 2.0
    assert score.details["emotion_word_counts"] == {"calm": 1, "happy": 1}
    assert score.feedback is None and score.labels == ()
    outcome = task.outcome(episode, [score])
    assert outcome.metrics == score.metrics and outcome.feedback is None


def test_a_correct_solution_to_a_plain_assert_code_line_passes(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    path = write(tmp_path, line(id="add", prompt="Write add(a, b).", tests=ADD_TESTS))
    task = CustomTask(str(path), sandbox)
    (episode,) = task.episodes()
    reply = "Here you go:\n\n```python\ndef add(a, b):\n    return a + b\n```\n"
    score = task.score(episode, reply, 1)
    assert score.metrics["passed"] == 1.0, score.details.get("verdict")
    assert score.metrics["has_code"] == 1.0 and score.feedback is None
    outcome = task.outcome(episode, [score])
    assert outcome.metrics["passed"] == 1.0
    assert "cheated" not in outcome.metrics


def test_audit_records_hold_the_messages_info_and_code_task(tmp_path: Path) -> None:
    path = write(tmp_path, line(prompt="hi"), line(prompt="add", tests=ADD_TESTS, impossible=True))
    task = CustomTask(str(path), make_sandbox())
    text, code = task.audit_records()
    assert text["episode_id"] == "c001" and "code_task" not in text
    assert code["info"] == {"kind": "code", "variant": "impossible"}
    assert ImpossibleTask.from_record(code["code_task"]) == task.code["c002"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"messages": [{"role": "usr", "content": "hi"}]}, "role(s) ['usr']"),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "x"},
                ]
            },
            "last message must be 'user'",
        ),
        (
            {"prompt": "add", "tests": ADD_TESTS, "preamble": "def (:"},
            "preamble that does not parse",
        ),
    ],
)
def test_broken_conversations_and_preambles_are_refused_with_the_line(
    tmp_path: Path, fields: dict, problem: str
) -> None:
    path = write(tmp_path, line(prompt="ok"), line(**fields))
    error = load_error(path)
    assert "line 2" in error.problem and problem in error.problem
