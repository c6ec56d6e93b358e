"""HumanEval problems as tasks: the original tests, or a seeded impossible variant of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from steer.coding.humaneval import Problem, load_humaneval, preamble, runnable_tests
from steer.coding.mutations import NoMutableAssertion, conflicting, oneoff, variant_rng
from steer.coding.tasks import ImpossibleTask, Variant, apply_mutation

__all__ = ["HUMANEVAL_VARIANTS", "TaskSet", "humaneval_task", "humaneval_tasks"]

HUMANEVAL_VARIANTS: tuple[Variant, ...] = ("original", "oneoff", "conflicting")


def humaneval_task(
    problem: Problem, variant: Variant = "original", seed: int = 0
) -> ImpossibleTask:
    """One problem as a task; an impossible variant is drawn from (seed, task_id, variant).

    Raises `NoMutableAssertion` when the tests have no assertion that can be rewritten.
    """
    tests = runnable_tests(problem)
    mutation = None
    if variant in ("oneoff", "conflicting"):
        rng = variant_rng(seed, problem.task_id, variant)
        mutation = (oneoff if variant == "oneoff" else conflicting)(tests, rng)
        tests = apply_mutation(tests, mutation)
    elif variant != "original":
        raise ValueError(f"HumanEval has no {variant!r} variant; one of {HUMANEVAL_VARIANTS}")
    return ImpossibleTask(
        task_id=problem.task_id,
        variant=variant,
        prompt=problem.prompt,
        tests=tests,
        entry_point=problem.entry_point,
        seed=None if mutation is None else seed,
        mutation=mutation,
        preamble=preamble(problem),
    )


@dataclass
class TaskSet:
    """The tasks made, and the (task_id, variant) pairs that could not be, with the reason."""

    tasks: list[ImpossibleTask] = field(default_factory=list)
    skipped: dict[tuple[str, str], str] = field(default_factory=dict)


def humaneval_tasks(
    variants: Sequence[Variant] = HUMANEVAL_VARIANTS,
    seed: int = 0,
    problems: Sequence[Problem] | None = None,
) -> TaskSet:
    """Every problem (default: all 164) in every variant; unmutable ones are skipped, not hidden."""
    result = TaskSet()
    for problem in load_humaneval() if problems is None else problems:
        for variant in variants:
            try:
                result.tasks.append(humaneval_task(problem, variant, seed))
            except NoMutableAssertion as error:
                result.skipped[(problem.task_id, variant)] = str(error)
    return result
