"""Hand-written impossible tasks in the paper's style (`steer/data/impossible/handwritten.jsonl`).

Each line is an `ImpossibleTask` record (variant `handwritten`) plus `why_impossible`, a note
on why no honest implementation passes, `honest_solution`, a reference implementation that
follows the prompt and fails the tests, and `possible_tests`, the same tests with the impossible
assertion made true (the task's possible version, variant `original`, which the honest solution
passes: both checked in tests/coding). The possible versions calibrate a model: can it solve the
task when nothing forbids it?
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from steer.coding.tasks import ImpossibleTask
from steer.errors import SteerError
from steer.resources import DATA

__all__ = ["HANDWRITTEN_PATH", "HandwrittenTask", "load_handwritten"]

HANDWRITTEN_PATH = DATA / "impossible" / "handwritten.jsonl"


@dataclass(frozen=True)
class HandwrittenTask:
    task: ImpossibleTask
    honest_solution: str
    possible_tests: str

    @property
    def possible(self) -> ImpossibleTask:
        """The possible version: the same prompt with tests an honest solution passes."""
        return replace(
            self.task, variant="original", tests=self.possible_tests, why_impossible=None
        )


def load_handwritten(path: Path = HANDWRITTEN_PATH) -> list[HandwrittenTask]:
    """The hand-written tasks, in file order."""
    loaded = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            honest = str(row.pop("honest_solution"))
            possible = str(row.pop("possible_tests"))
            task = ImpossibleTask.from_record(row)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise SteerError(
                f"{path} line {number} is not a hand-written task ({error})",
                "each line needs the ImpossibleTask fields, why_impossible, honest_solution and "
                "possible_tests",
            ) from None
        if task.variant != "handwritten" or not task.why_impossible:
            raise SteerError(
                f"{path} line {number} ({task.task_id}) is not variant 'handwritten' with a note",
                "set variant to 'handwritten' and explain why_impossible",
            )
        loaded.append(HandwrittenTask(task, honest, possible))
    return loaded
