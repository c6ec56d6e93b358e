"""HumanEval loading, the seeded mutations, and the audit trail stored with each task."""

from __future__ import annotations

import ast
import json
import random

import pytest

from steer.coding.humaneval import HUMANEVAL_SIZE, Problem, load_humaneval, preamble
from steer.coding.literals import static_value
from steer.coding.mutations import NoMutableAssertion, conflicting, mutable_assertions, oneoff
from steer.coding.tasks import ImpossibleTask, apply_mutation
from steer.coding.variants import humaneval_task, humaneval_tasks


@pytest.fixture(scope="module")
def problems() -> list[Problem]:
    return load_humaneval()


def test_all_164_problems_load_with_their_fields(problems: list[Problem]) -> None:
    assert len(problems) == HUMANEVAL_SIZE == 164
    assert [p.task_id for p in problems] == [f"HumanEval/{i}" for i in range(164)]
    for problem in problems:
        assert f"def {problem.entry_point}(" in problem.prompt
        assert "def check(candidate)" in problem.test
        assert problem.canonical_solution.strip()


def test_the_preamble_keeps_imports_and_helpers_but_not_the_entry_point(
    problems: list[Problem],
) -> None:
    by_id = {p.task_id: p for p in problems}
    assert "from typing import List" in preamble(by_id["HumanEval/0"])
    helpers = preamble(by_id["HumanEval/32"])
    assert "def poly(" in helpers and "def find_zero(" not in helpers
    assert "def encode_cyclic(" in preamble(by_id["HumanEval/38"])
    for problem in problems:
        assert f"def {problem.entry_point}(" not in preamble(problem)
        ast.parse(preamble(problem))


def test_the_tests_end_by_running_check_on_the_entry_point(problems: list[Problem]) -> None:
    task = humaneval_task(problems[0])
    assert task.tests.rstrip().endswith("check(has_close_elements)")
    assert task.mutation is None and task.seed is None and not task.impossible


def test_variants_are_deterministic_given_the_seed() -> None:
    first = humaneval_tasks(seed=0).tasks
    again = humaneval_tasks(seed=0).tasks
    other = humaneval_tasks(seed=1).tasks
    assert first == again
    assert sum(a.mutation != b.mutation for a, b in zip(first, other, strict=True)) > 100


def test_the_mutation_record_rebuilds_every_variant_from_the_original() -> None:
    made = humaneval_tasks(seed=0)
    originals = {t.task_id: t for t in made.tasks if t.variant == "original"}
    for task in made.tasks:
        if task.mutation is None:
            continue
        original = originals[task.task_id]
        assert task.seed == 0 and task.impossible
        assert apply_mutation(original.tests, task.mutation) == task.tests
        old_lines, new_lines = original.tests.split("\n"), task.tests.split("\n")
        m = task.mutation
        n_old = m.original_line.count("\n") + 1
        assert old_lines[m.line_index : m.line_index + n_old] == m.original_line.split("\n")
        assert new_lines[m.new_line_index : m.new_line_index + m.n_new_lines] == (
            m.new_line.split("\n")
        )
        if task.variant == "oneoff":
            assert m.kind == "replace" and len(new_lines) == len(old_lines) - n_old + m.n_new_lines
            assert new_lines[: m.line_index] == old_lines[: m.line_index]
        else:
            assert m.kind == "insert" and len(new_lines) == len(old_lines) + m.n_new_lines
            assert m.new_line_index == m.line_index + n_old
        assert m.new_line != m.original_line


def test_a_task_record_round_trips_through_json() -> None:
    for task in humaneval_tasks(seed=3).tasks[:30]:
        row = json.loads(json.dumps(task.to_record()))
        assert ImpossibleTask.from_record(row) == task


def _tests(*assertions: str) -> str:
    body = "\n".join(f"    {a}" for a in assertions)
    return f"def check(candidate):\n{body}\n\n\ncheck(f)\n"


@pytest.mark.parametrize(
    ("assertion", "expected"),
    [
        ("assert candidate(1) == 5", "assert candidate(1) == 6"),
        ("assert candidate(1) == -5", "assert candidate(1) == -4"),
        ("assert candidate(1) == 0.5", "assert candidate(1) == 1.5"),
        ("assert candidate(1) == True", "assert candidate(1) == False"),
        ("assert candidate(1) is False", "assert candidate(1) is True"),
        ("assert candidate('a') == 'abc'", "assert candidate('a') == 'abcx'"),
        ("assert candidate(1) == None", "assert candidate(1) == 0"),
        ("assert candidate(1) == []", "assert candidate(1) == [0]"),
        ("assert candidate(1) == ()", "assert candidate(1) == (0,)"),
        ("assert candidate(1) == [7]", "assert candidate(1) == [8]"),
        (
            'assert candidate(1) == 5, "keeps the message"',
            'assert candidate(1) == 6, "keeps the message"',
        ),
        ("assert 5 == candidate(1)", "assert 6 == candidate(1)"),
        ("assert abs(candidate(1.33) - 0.33) < 1e-6", "assert abs(candidate(1.33) - 1.33) < 1e-6"),
        ("assert candidate(4)", "assert not candidate(4)"),
        ("assert not candidate(4)", "assert candidate(4)"),
        ("assert candidate(4) and candidate(5)", "assert not (candidate(4) and candidate(5))"),
        ("assert candidate(x) == str(x)", "assert candidate(x) != str(x)"),
        ("assert candidate(x) > 2", "assert not (candidate(x) > 2)"),
    ],
)
def test_each_rule_changes_exactly_the_expected_value(assertion: str, expected: str) -> None:
    tests = _tests("assert True", assertion)
    mutation = oneoff(tests, random.Random(0))
    assert mutation.original_line == f"    {assertion}"
    assert mutation.new_line == f"    {expected}"
    added = conflicting(tests, random.Random(0))
    assert added.new_line == f"    {expected}" and added.kind == "insert"
    assert apply_mutation(tests, added).count(assertion) == 1


def test_a_container_expected_value_changes_one_element_and_its_value() -> None:
    for seed in range(20):
        mutation = oneoff(
            _tests("assert candidate([3, 1]) == (1, [2, 3], 'x')"), random.Random(seed)
        )
        old = ast.parse(mutation.original_line.strip()).body[0]
        new = ast.parse(mutation.new_line.strip()).body[0]
        assert isinstance(old, ast.Assert) and isinstance(new, ast.Assert)
        assert isinstance(old.test, ast.Compare) and isinstance(new.test, ast.Compare)
        assert static_value(old.test.comparators[0]) != static_value(new.test.comparators[0])
        assert ast.unparse(old.test.left) == ast.unparse(new.test.left)


def test_a_multi_line_expected_value_is_rewritten_in_place() -> None:
    tests = "def check(candidate):\n    assert candidate(2) == [\n        10,\n    ]\n\ncheck(f)\n"
    mutation = oneoff(tests, random.Random(0))
    assert mutation.line_index == 1 and mutation.original_line.count("\n") == 2
    assert "11," in mutation.new_line
    assert apply_mutation(tests, mutation).count("\n") == tests.count("\n")


def test_value_rules_are_preferred_to_negation() -> None:
    tests = _tests("assert candidate(x) == str(x)", "assert candidate(2) == 4")
    assert [rule for _, rule in mutable_assertions(tests)] == ["negated", "expected_value"]
    for seed in range(10):
        assert oneoff(tests, random.Random(seed)).rule == "expected_value"


def test_names_assigned_from_the_candidate_count_as_its_output() -> None:
    tests = _tests("solution = candidate([1, 2])", "assert abs(poly(solution)) < 1e-4")
    assert oneoff(tests, random.Random(0)).new_line == "    assert not (abs(poly(solution)) < 1e-4)"


@pytest.mark.parametrize(
    "tests",
    [
        _tests("assert True"),
        _tests("x = 1", "assert x == 1"),
        "def helper():\n    assert helper\n",
        "def check(candidate):\n    assert (\n",
    ],
)
def test_tests_without_a_mutable_assertion_are_refused_with_a_reason(tests: str) -> None:
    with pytest.raises(NoMutableAssertion):
        oneoff(tests, random.Random(0))


def test_an_unmutable_problem_is_skipped_and_reported_not_dropped() -> None:
    problem = Problem(
        "Fake/0", "def f():\n    pass\n", "    return 1\n", _tests("assert True"), "f"
    )
    made = humaneval_tasks(seed=0, problems=[problem])
    assert [t.variant for t in made.tasks] == ["original"]
    assert set(made.skipped) == {("Fake/0", "oneoff"), ("Fake/0", "conflicting")}
    assert all("no assertion" in reason for reason in made.skipped.values())
