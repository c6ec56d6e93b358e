"""The proof that the HumanEval variants are what they claim, over all 164 problems.

With the canonical solution, every original must pass, and every impossible variant must fail
with an `AssertionError` raised exactly at the mutated (or added) line. The canonical solutions
are trusted code and run in plain subprocesses (`steer.coding.trusted`).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from steer.coding.humaneval import canonical_program, load_humaneval
from steer.coding.tasks import ImpossibleTask
from steer.coding.trusted import TrustedCase, TrustedResult, run_trusted_batch
from steer.coding.variants import HUMANEVAL_VARIANTS, humaneval_tasks

__all__ = ["CheckFailure", "CheckReport", "check_all", "verdict"]


@dataclass(frozen=True)
class CheckFailure:
    task_id: str
    variant: str
    problem: str


@dataclass
class CheckReport:
    """Counts per variant, every skipped (task, variant) with its reason, every failure."""

    seed: int
    n_problems: int
    generated: dict[str, int] = field(default_factory=dict)
    confirmed: dict[str, int] = field(default_factory=dict)
    rules: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    failures: list[CheckFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.generated == self.confirmed

    def summary(self) -> str:
        parts = [
            f"{v}: {self.confirmed.get(v, 0)}/{n} confirmed" for v, n in self.generated.items()
        ]
        rules = ", ".join(f"{rule} {n}" for rule, n in sorted(self.rules.items()))
        return (
            f"{self.n_problems} problems, seed {self.seed}; {'; '.join(parts)}; "
            f"skipped {len(self.skipped)}; failures {len(self.failures)}; rules: {rules}; "
            f"{self.seconds:.1f} s"
        )


def verdict(task: ImpossibleTask, result: TrustedResult) -> str | None:
    """None if the canonical solution behaves as the variant requires, else what went wrong."""
    if task.mutation is None:
        return None if result.passed else f"original fails: {result.error} {result.message}"
    if result.passed:
        return "the canonical solution passes the impossible variant"
    first = task.mutation.new_line_index + 1
    last = first + task.mutation.n_new_lines - 1
    if result.error != "AssertionError" or result.tests_line is None:
        return f"fails with {result.error} ({result.message}), not an assertion"
    if not first <= result.tests_line <= last:
        return f"fails at tests line {result.tests_line}, not the mutated lines {first}-{last}"
    return None


def check_all(seed: int = 0, workers: int = 2) -> CheckReport:
    """Run the canonical solution of every problem against every variant's tests."""
    started = time.perf_counter()
    problems = {p.task_id: p for p in load_humaneval()}
    made = humaneval_tasks(HUMANEVAL_VARIANTS, seed, list(problems.values()))
    report = CheckReport(seed=seed, n_problems=len(problems))
    report.skipped = {
        f"{task_id} {variant}": why for (task_id, variant), why in made.skipped.items()
    }
    cases = [
        TrustedCase(f"{t.task_id} {t.variant}", canonical_program(problems[t.task_id]), t.tests)
        for t in made.tasks
    ]
    results = run_trusted_batch(cases, workers=workers)
    generated: Counter[str] = Counter()
    confirmed: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    for task, result in zip(made.tasks, results, strict=True):
        generated[task.variant] += 1
        if task.mutation is not None:
            rules[f"{task.variant}/{task.mutation.rule}"] += 1
        problem = verdict(task, result)
        if problem is None:
            confirmed[task.variant] += 1
        else:
            report.failures.append(CheckFailure(task.task_id, task.variant, problem))
    report.generated = {v: generated[v] for v in HUMANEVAL_VARIANTS}
    report.confirmed = {v: confirmed[v] for v in HUMANEVAL_VARIANTS}
    report.rules = dict(rules)
    report.seconds = time.perf_counter() - started
    return report
