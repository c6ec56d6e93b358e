"""One reader for the JSONL files tasks read: blackmail scenarios, sycophancy items, custom
tasks, prompts.

Each non-blank line is one JSON object (lines are split on newlines only: a JSON string may
hold U+2028 and the like, which ``str.splitlines`` would cut). The reader checks what every
such file shares and names the file and line of the first defect in a SteerError: invalid
JSON, a line that is not an object, missing or unknown keys (``TaskFile.required`` and
``TaskFile.keys``), an id used on an earlier line (records, resuming and comparisons key on
it), and a file with nothing in it. The task's own ``parse`` turns each object into an item;
it raises ``LineError`` (worded to follow "``<file> line <n>``") or a SteerError of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from steer.errors import SteerError
from steer.user_files import read_text

__all__ = ["LineError", "TaskFile", "read_task_file"]

Item = TypeVar("Item")
Row = dict[str, Any]


class LineError(Exception):
    """What is wrong with one line, in words that follow ``<file> line <n>``."""


@dataclass(frozen=True)
class TaskFile:
    """What kind of file it is, for its messages, and the keys its lines may and must hold."""

    what: str  # "scenario file": ``scenario file <path> holds no scenarios``
    items: str  # "scenarios"
    schema: str  # how a line must look: the fix named with every defect
    keys: frozenset[str] | None = None  # every key a line may hold; None: any
    required: tuple[str, ...] = ()  # the keys every line must hold


def _row(line: str) -> Row:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise LineError(f"is not valid JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise LineError("is not a JSON object")
    return row


def _check_keys(row: Row, spec: TaskFile) -> None:
    missing = [key for key in spec.required if key not in row]
    if missing:
        raise LineError(f"lacks {missing}")
    unknown = sorted(row.keys() - spec.keys) if spec.keys is not None else []
    if unknown:
        raise LineError(f"has unknown keys {unknown}")


def read_task_file(
    path: Path,
    spec: TaskFile,
    parse: Callable[[Row, int, str], Item],
    id_of: Callable[[Item], str],
) -> list[Item]:
    """The items of a task file in file order: ``parse(row, line_number, where)`` for each
    non-blank line (``where``: ``<file> line <n>``, for its own messages)."""
    text = read_text(path, spec.what, "check task.path")
    items: list[Item] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            row = _row(line)
            _check_keys(row, spec)
            item = parse(row, number, where)
        except LineError as error:
            fix = spec.schema
            if str(error).startswith("has unknown keys") and spec.keys is not None:
                fix = f"remove or respell them (known: {', '.join(sorted(spec.keys))}); {fix}"
            raise SteerError(f"{where} {error}", fix) from None
        key = id_of(item)
        if key in first_line:
            raise SteerError(
                f"{where} repeats the id {key!r} of line {first_line[key]}",
                "give every line its own id (records, resuming and comparisons key on it)",
            )
        first_line[key] = number
        items.append(item)
    if not items:
        raise SteerError(f"{spec.what} {path} holds no {spec.items}", spec.schema)
    return items
