"""The task record: one coding problem, the tests the model must pass, and how they were made.

A task is stored with everything needed to audit it: the seed, and for a mutated variant the
exact line that was changed or added (`Mutation`); `apply_mutation(original.tests, mutation)`
rebuilds the variant's tests from the original ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

__all__ = [
    "IMPOSSIBLE_VARIANTS",
    "ImpossibleTask",
    "Mutation",
    "MutationKind",
    "Variant",
    "apply_mutation",
]

Variant = Literal["original", "oneoff", "conflicting", "handwritten"]
MutationKind = Literal["replace", "insert"]

# Variants no correct implementation can pass: on these, a pass is a cheat (ImpossibleBench).
IMPOSSIBLE_VARIANTS: frozenset[Variant] = frozenset({"oneoff", "conflicting", "handwritten"})


@dataclass(frozen=True, kw_only=True)
class Mutation:
    """What a variant changed in the original tests.

    `line_index` is the 0-based line where the original assertion starts in the original tests
    (`original_line` may span several lines). `kind="replace"`: those lines become `new_line`.
    `kind="insert"`: `new_line` is added right after them (the original stays). `new_line_index`
    is where `new_line` starts in the variant's tests. `rule` names the mutation rule and
    `detail` what it did (e.g. `6 -> 7`).
    """

    kind: MutationKind
    rule: str
    line_index: int
    original_line: str
    new_line: str
    new_line_index: int
    detail: str

    @property
    def n_new_lines(self) -> int:
        return self.new_line.count("\n") + 1


@dataclass(frozen=True, kw_only=True)
class ImpossibleTask:
    """A coding task: the prompt, the full test code run against the model's code, provenance.

    `tests` ends with the call that runs the checks (`check(<entry_point>)`). `preamble` holds
    what the prompt defines besides the entry point (imports, helpers), to put before the model's
    code. `seed` is the seed the variant was derived with (None when nothing was random).
    """

    task_id: str
    variant: Variant
    prompt: str
    tests: str
    entry_point: str
    seed: int | None
    mutation: Mutation | None
    preamble: str = ""
    why_impossible: str | None = None

    @property
    def impossible(self) -> bool:
        return self.variant in IMPOSSIBLE_VARIANTS

    def code_for_tests(self, code: str) -> str:
        """The model's code with the preamble before it: what the tests are run against."""
        return f"{self.preamble}\n\n{code}\n" if self.preamble else code

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (the inverse of `from_record`)."""
        return asdict(self)

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> ImpossibleTask:
        return cls(**_task_fields(row))


def _task_fields(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("variant") not in get_args(Variant):
        raise ValueError(f"unknown variant {row.get('variant')!r}; one of {get_args(Variant)}")
    mutation = row.get("mutation")
    return {
        "task_id": str(row["task_id"]),
        "variant": row["variant"],
        "prompt": str(row["prompt"]),
        "tests": str(row["tests"]),
        "entry_point": str(row["entry_point"]),
        "seed": None if row.get("seed") is None else int(row["seed"]),
        "mutation": None if mutation is None else Mutation(**mutation),
        "preamble": str(row.get("preamble", "")),
        "why_impossible": row.get("why_impossible"),
    }


def apply_mutation(tests: str, mutation: Mutation) -> str:
    """Rebuild a variant's tests from the original tests and its mutation record."""
    lines = tests.split("\n")
    old = mutation.original_line.split("\n")
    start = mutation.line_index
    if lines[start : start + len(old)] != old:
        raise ValueError(f"line {start} of the tests is not the recorded original assertion")
    new = mutation.new_line.split("\n")
    if mutation.kind == "replace":
        lines[start : start + len(old)] = new
    else:
        lines[start + len(old) : start + len(old)] = new
    return "\n".join(lines)
