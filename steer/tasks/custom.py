"""``task=custom task.path=FILE.jsonl``: your own tasks, one JSON object per line.

A line is a text task or a code task:

- ``id`` (optional; default ``c<line number>``), and ``prompt`` (a string: one user turn) or
  ``messages`` (a list of ``{"role", "content"}``);
- a code task adds ``tests``: Python source, plain top-level asserts or HumanEval's
  ``def check(candidate)``; then ``entry_point`` (the function the model must write) is required
  when the tests define ``check`` without calling it. Optional: ``impossible`` (true: no honest
  solution passes, so a pass counts as a cheat; default false), ``preamble`` (code put before
  the model's code, e.g. imports), ``show_tests`` (default true: the tests are appended to the
  prompt);
- ``group`` (optional string): metrics are also reported per group.

A text task's reply is scored by the text metrics (sentiment, emotion words, length); a code
task's reply as in ``task=impossible_code`` (sandbox run, cheat types, acknowledgement), with
``max_attempts`` retries after failures. A broken line is reported with its number.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from steer.coding.tasks import ImpossibleTask
from steer.errors import SteerError
from steer.metrics.declared import TaskMetrics
from steer.metrics.text import TEXT_METRICS, emotion_word_counts, text_metrics
from steer.models.prompts import Message
from steer.sandbox.testfile import complete_tests, needs_entry_point
from steer.tasks.base import Episode, Score, last_attempt_outcome
from steer.tasks.code_judge import CODE_METRICS, coding_outcome, judge_reply
from steer.tasks.sandboxing import Sandbox
from steer.tasks.task_file import LineError, TaskFile, read_task_file

KEYS = {
    "id", "prompt", "messages", "tests", "entry_point", "impossible", "preamble", "show_tests",
    "group",
}  # fmt: skip
SCHEMA_HINT = "see the schema in docs/tasks/custom.md"
_FILE = TaskFile("task file", "tasks", SCHEMA_HINT, keys=frozenset(KEYS))
CustomItem = tuple[Episode, ImpossibleTask | None]
TESTS_NOTE = "\n\nYour code must pass these tests:\n\n```python\n{tests}\n```"


ROLES = ("system", "user", "assistant")


def _messages(row: dict[str, Any]) -> tuple[Message, ...]:
    prompt, messages = row.get("prompt"), row.get("messages")
    if isinstance(prompt, str) and prompt.strip():
        return ({"role": "user", "content": prompt},)
    if not (
        isinstance(messages, list)
        and messages
        and all(
            isinstance(m, dict)
            and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str)
            for m in messages
        )
    ):
        raise LineError("has no non-empty 'prompt' string or 'messages' list of {role, content}")
    roles = [m["role"] for m in messages]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise LineError(f"has message role(s) {unknown}; roles are {', '.join(ROLES)}")
    if roles[-1] != "user":
        raise LineError(f"ends with a '{roles[-1]}' message; the last message must be 'user'")
    return tuple({"role": m["role"], "content": m["content"]} for m in messages)


def _text_field(row: dict[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        raise LineError(f"'{key}' must be a string, not {type(value).__name__}")
    return value


def _flag(row: dict[str, Any], key: str, default: bool) -> bool:
    value = row.get(key, default)
    if not isinstance(value, bool):
        raise LineError(f"'{key}' must be true or false, not {value!r}")
    return value


def _code_task(row: dict[str, Any], task_id: str) -> ImpossibleTask:
    tests = _text_field(row, "tests")
    if tests is None or not tests.strip():
        raise LineError("has 'tests' that are empty or null (leave the key out for a text task)")
    entry_point = _text_field(row, "entry_point")
    impossible = _flag(row, "impossible", False)
    try:
        ast.parse(tests)
    except (SyntaxError, ValueError) as error:
        where = getattr(error, "lineno", None)
        at = f", tests line {where}" if where else ""
        raise LineError(f"has tests that do not parse ({error}{at})") from None
    preamble = _text_field(row, "preamble") or ""
    try:
        ast.parse(preamble)
    except (SyntaxError, ValueError) as error:
        raise LineError(f"has a preamble that does not parse ({error})") from None
    if needs_entry_point(tests) and entry_point is None:
        raise LineError(
            "has tests that define check(candidate) without calling it, and no 'entry_point'"
        )
    if entry_point is not None:
        try:
            complete_tests("", tests, entry_point)
        except SteerError as error:
            raise LineError(f"has a bad entry_point: {error.problem}") from None
    return ImpossibleTask(
        task_id=task_id,
        variant="handwritten" if impossible else "original",
        prompt="",
        tests=tests,
        entry_point=entry_point or "",
        seed=None,
        mutation=None,
        preamble=preamble,
        why_impossible="declared impossible in the task file" if impossible else None,
    )


def parse_row(row: dict[str, Any], number: int, where: str) -> CustomItem:
    raw_id = row.get("id", f"c{number:03d}")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int) or not str(raw_id).strip():
        raise LineError("has an 'id' that is not a non-empty string or integer")
    task_id = str(raw_id)
    messages = _messages(row)
    group = _text_field(row, "group")
    code = _code_task(row, task_id) if "tests" in row else None
    info = {"kind": "code" if code else "text", **({"group": group} if group else {})}
    if code is not None:
        info["variant"] = "impossible" if code.impossible else "possible"
        if _flag(row, "show_tests", True):
            last = messages[-1]
            shown = {
                **last,
                "content": last["content"] + TESTS_NOTE.format(tests=code.tests.strip()),
            }
            messages = (*messages[:-1], shown)
    return Episode(task_id, messages, info), code


def load_custom_tasks(path: Path) -> list[CustomItem]:
    return read_task_file(path, _FILE, parse_row, lambda item: item[0].id)


class CustomTask:
    name = "custom"
    # A file mixes text prompts and code tasks: both kinds of metric, the code ones leading.
    metrics = TaskMetrics(
        (*CODE_METRICS, *TEXT_METRICS),
        headline=("passed", "cheated", "vader_compound"),
        optimized="cheated",
        attempt_outcome="passed",
        cheat="cheated",
    )

    def __init__(self, path: str, sandbox: Sandbox, max_attempts: int = 1) -> None:
        if max_attempts < 1:
            raise SteerError("task.max_attempts must be at least 1", "set task.max_attempts=1+")
        if not path:
            raise SteerError("task=custom needs a file", "set task.path=FILE.jsonl")
        self.sandbox = sandbox
        self.max_attempts = max_attempts
        self.loaded = load_custom_tasks(Path(path).expanduser())
        self.code = {episode.id: code for episode, code in self.loaded}

    def episodes(self) -> list[Episode]:
        return [episode for episode, _ in self.loaded]

    def score(self, episode: Episode, reply: str, attempt: int) -> Score:
        code = self.code[episode.id]
        if code is None:
            return Score(text_metrics(reply), {"emotion_word_counts": emotion_word_counts(reply)})
        return judge_reply(code, reply, self.sandbox)

    def outcome(self, episode: Episode, attempts: Sequence[Score]) -> Score:
        code = self.code[episode.id]
        return last_attempt_outcome(attempts) if code is None else coding_outcome(code, attempts)

    def audit_records(self) -> list[dict[str, Any]]:
        return [
            {
                "episode_id": episode.id,
                "messages": list(episode.messages),
                "info": dict(episode.info),
            }
            | ({} if code is None else {"code_task": code.to_record()})
            for episode, code in self.loaded
        ]
