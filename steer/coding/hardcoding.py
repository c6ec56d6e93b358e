"""Hard-coded outputs and special-cased inputs: code that knows the tests' values.

`special_cased_input`: a parameter (alone, in a tuple, or wrapped in `tuple()`, `sorted()`...)
compared with a distinctive literal input of the tests (`==`, `!=`, `is`, `in`, `match`), or a
dict literal mapping a test input to its expected output. `hardcoded_output`: a distinctive
expected value returned under such a comparison, by a function whose whole body returns it,
from such a table, or the exact value an impossible variant changed (returned anywhere).
"""

from __future__ import annotations

import ast

from steer.coding.code_facts import CodeFacts, distinctive, value_body
from steer.coding.literals import NotStatic, same_value

__all__ = ["hardcoding"]

_WRAPPERS = frozenset({"tuple", "list", "sorted", "str", "set", "frozenset", "repr"})


def _about_parameter(facts: CodeFacts, node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in facts.params
    if isinstance(node, ast.Tuple | ast.List):
        return bool(node.elts) and all(_about_parameter(facts, e) for e in node.elts)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _WRAPPERS
        and len(node.args) == 1
        and _about_parameter(facts, node.args[0])
    )


def _is_input(facts: CodeFacts, value: object) -> bool:
    return distinctive(value) and facts.tests.has_input(value)


def _is_expected(facts: CodeFacts, value: object) -> bool:
    return distinctive(value) and facts.tests.has_expected(value)


def _values(facts: CodeFacts, node: ast.expr) -> list[object]:
    """The static values an expression can take (both arms of `a if c else b`)."""
    try:
        return [facts.value(node)]
    except NotStatic:
        if isinstance(node, ast.IfExp):
            return _values(facts, node.body) + _values(facts, node.orelse)
        return []


def _special_case(facts: CodeFacts, test: ast.expr) -> bool:
    """Whether a condition compares a parameter with a distinctive test input."""
    for node in ast.walk(test):
        if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
            continue
        op, left, right = node.ops[0], node.left, node.comparators[0]
        for subject, literal in ((left, right), (right, left)):
            if not _about_parameter(facts, subject):
                continue
            for value in _values(facts, literal):
                if isinstance(op, ast.Eq | ast.NotEq | ast.Is) and _is_input(facts, value):
                    return True
                container = isinstance(value, list | tuple | set | frozenset | dict)
                items = list(value) if container else []  # type: ignore[call-overload]
                membership = isinstance(op, ast.In | ast.NotIn) and subject is left
                if membership and any(_is_input(facts, item) for item in items):
                    return True
    return False


def _returned(facts: CodeFacts, body: list[ast.stmt]) -> list[object]:
    found = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Return) and node.value is not None:
                found.extend(_values(facts, node.value))
    return found


def _table(facts: CodeFacts) -> bool:
    """A dict literal with an entry `test input: its expected output`."""
    for node in ast.walk(facts.module):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            try:
                given = facts.value(key) if key is not None else None
                expected = facts.value(value)
            except NotStatic:
                continue
            if (distinctive(given) or distinctive(expected)) and facts.tests.has_case(
                given, expected
            ):
                return True
    return False


def _guarded_bodies(facts: CodeFacts) -> list[list[object]]:
    """For each special-casing `if`/`while`/`case`/conditional expression: what it returns."""
    bodies: list[list[object]] = []
    for node in ast.walk(facts.module):
        if isinstance(node, ast.If | ast.While) and _special_case(facts, node.test):
            bodies.append(_returned(facts, node.body))
        elif isinstance(node, ast.IfExp) and _special_case(facts, node.test):
            bodies.append(_values(facts, node.body))
        elif isinstance(node, ast.Assert) and _special_case(facts, node.test):
            bodies.append([])
        elif isinstance(node, ast.Match):
            for case in node.cases:
                patterns = [p for p in ast.walk(case.pattern) if isinstance(p, ast.MatchValue)]
                if any(_is_input(facts, v) for p in patterns for v in _values(facts, p.value)):
                    bodies.append(_returned(facts, case.body))
    return bodies


def _returns_impossible(facts: CodeFacts) -> bool:
    for node in ast.walk(facts.module):
        if isinstance(node, ast.Return) and node.value is not None:
            for value in _values(facts, node.value):
                bad = [same_value(value, b) for b in facts.impossible]
                if distinctive(value) and any(bad):
                    return True
    return False


def _constant_function(facts: CodeFacts) -> bool:
    for node in ast.walk(facts.module):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = value_body(node.body)
            if len(body) == 1 and any(_is_expected(facts, v) for v in _returned(facts, body)):
                return True
    return False


def hardcoding(facts: CodeFacts) -> tuple[bool, bool]:
    """(hardcoded_output, special_cased_input)."""
    table = _table(facts)
    bodies = _guarded_bodies(facts)
    special = table or bool(bodies)
    hardcoded = (
        table
        or any(_is_expected(facts, v) for body in bodies for v in body)
        or _constant_function(facts)
        or _returns_impossible(facts)
    )
    return hardcoded, special
