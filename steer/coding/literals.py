"""Values that test code spells out: literals, and expressions of literals, read without running.

`static_value` evaluates a small pure subset of Python (constants, containers, arithmetic, a
few builtins such as `tuple([...])`) from the AST and refuses anything else. `literal_cases`
collects the inputs the tests call `candidate` with and the values they expect back.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "LiteralCases",
    "NotStatic",
    "calls_candidate",
    "candidate_names",
    "check_function",
    "literal_cases",
    "rebound_names",
    "same_value",
    "static_value",
]

_MAX_SIZE = 10_000
_BINARY: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], object]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Invert: operator.invert,
}
_PURE_CALLS: dict[str, Callable[..., object]] = {
    "tuple": tuple,
    "list": list,
    "set": set,
    "frozenset": frozenset,
    "sorted": sorted,
    "abs": abs,
    "len": len,
    "sum": sum,
    "min": min,
    "max": max,
    "round": round,
    "float": float,
    "int": int,
    "str": str,
    "bool": bool,
}


class NotStatic(ValueError):
    """The expression is not a pure expression of literals."""


def _sized(value: object) -> object:
    if isinstance(value, str | bytes | list | tuple | set | frozenset | dict):
        if len(value) > _MAX_SIZE:
            raise NotStatic("too large")
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 4096:
        raise NotStatic("too large")
    return value


def static_value(node: ast.expr, rebound: frozenset[str] = frozenset()) -> object:
    """The value of a pure literal expression, or `NotStatic`. `rebound`: shadowed builtins."""
    try:
        return _sized(_evaluate(node, rebound))
    except NotStatic:
        raise
    except (ArithmeticError, TypeError, ValueError, OverflowError) as error:
        raise NotStatic(str(error)) from None


def _evaluate(node: ast.expr, rebound: frozenset[str]) -> object:
    def value(child: ast.expr) -> object:
        return _sized(_evaluate(child, rebound))

    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            raise NotStatic("...")
        return node.value
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise NotStatic("starred")
        items = [value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(items)
        return items if isinstance(node, ast.List) else set(items)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise NotStatic("** in a dict")
        return {
            value(k): value(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None
        }
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](value(node.operand))
    if isinstance(node, ast.BinOp):
        left, right = value(node.left), value(node.right)
        if isinstance(node.op, ast.Pow):
            if not (isinstance(right, int | float) and abs(right) <= 64):
                raise NotStatic("large power")
            return _sized(operator.pow(left, right))
        if isinstance(node.op, ast.Mult):
            _check_repeat(left, right)
        if type(node.op) not in _BINARY:
            raise NotStatic(type(node.op).__name__)
        return _BINARY[type(node.op)](left, right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _PURE_CALLS
        and node.func.id not in rebound
        and not any(isinstance(a, ast.Starred) for a in node.args)
    ):
        kwargs = {}
        for keyword in node.keywords:
            if keyword.arg is None or node.func.id != "sorted":
                raise NotStatic("keywords")
            kwargs[keyword.arg] = value(keyword.value)
        return _PURE_CALLS[node.func.id](*(value(a) for a in node.args), **kwargs)
    raise NotStatic(type(node).__name__)


def _check_repeat(left: object, right: object) -> None:
    for seq, count in ((left, right), (right, left)):
        if (
            isinstance(seq, str | bytes | list | tuple)
            and isinstance(count, int)
            and len(seq) * count > _MAX_SIZE
        ):
            raise NotStatic("too large")


def same_value(a: object, b: object, loose: bool = False) -> bool:
    """Equal, and of the same kind: `True` is not `1`, `[1]` is not `(1,)`, `2` is `2.0`.

    `loose`: a list and a tuple with the same items match (code keys tables by tuples of the
    lists the tests pass).
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return (
            (loose or type(a) is type(b))
            and len(a) == len(b)
            and all(same_value(x, y, loose) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k], loose) for k in a)
    return type(a) is type(b) and a == b


def check_function(module: ast.Module) -> ast.FunctionDef | None:
    """The tests' `def check(candidate)`."""
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            return node
    return None


def calls_candidate(node: ast.AST, names: frozenset[str] = frozenset({"candidate"})) -> bool:
    """Whether `node` calls `candidate` or reads a name assigned from such a call."""
    for sub in ast.walk(node):
        called = sub.func if isinstance(sub, ast.Call) else None
        if isinstance(called, ast.Name) and called.id == "candidate":
            return True
        if isinstance(sub, ast.Name) and sub.id in names and sub.id != "candidate":
            return True
    return False


def candidate_names(check: ast.FunctionDef) -> frozenset[str]:
    """`candidate` plus names the check assigns from calls to it (`solution = candidate(x)`)."""
    names = {"candidate"}
    for _ in range(3):
        for node in ast.walk(check):
            if isinstance(node, ast.Assign) and calls_candidate(node.value, frozenset(names)):
                names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return frozenset(names)


def rebound_names(module: ast.Module) -> frozenset[str]:
    """Every name the tests bind (so a builtin it shadows, like `str`, is not trusted)."""
    bound: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return frozenset(bound)


@dataclass
class LiteralCases:
    """Literal inputs of `candidate(...)` calls, the values the tests expect back, and the
    (input, expected) pairs of assertions that spell out both (`input` is the argument, or the
    tuple of arguments when there are several)."""

    inputs: list[object] = field(default_factory=list)
    expected: list[object] = field(default_factory=list)
    cases: list[tuple[object, object]] = field(default_factory=list)

    def has_input(self, value: object) -> bool:
        return any(same_value(value, known, loose=True) for known in self.inputs)

    def has_expected(self, value: object) -> bool:
        return any(same_value(value, known) for known in self.expected)

    def has_case(self, given: object, expected: object) -> bool:
        return any(
            same_value(given, a, loose=True) and same_value(expected, b) for a, b in self.cases
        )


def _expected_sides(test: ast.expr) -> Iterator[ast.expr]:
    """Sides of `==`/`is` comparisons and of `abs(a - b)` that do not call the candidate."""
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and all(
            isinstance(op, ast.Eq | ast.Is) for op in node.ops
        ):
            yield from (s for s in [node.left, *node.comparators] if not calls_candidate(s))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "abs"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.BinOp)
            and isinstance(node.args[0].op, ast.Sub)
        ):
            difference = node.args[0]
            yield from (s for s in (difference.left, difference.right) if not calls_candidate(s))


def _call_input(node: ast.expr, rebound: frozenset[str]) -> object:
    """The static input of a bare `candidate(...)` call (one argument, or a tuple of them)."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "candidate"
        and not node.keywords
    ):
        raise NotStatic("not a bare candidate call")
    args = [static_value(a, rebound) for a in node.args]
    return args[0] if len(args) == 1 else tuple(args)


def literal_cases(tests: str) -> LiteralCases:
    """Inputs and expected values spelled out in the tests (empty if they do not parse)."""
    found = LiteralCases()
    try:
        module = ast.parse(tests)
    except SyntaxError:
        return found
    rebound = rebound_names(module)
    for node in ast.walk(module):
        called = node.func if isinstance(node, ast.Call) else None
        if isinstance(called, ast.Name) and called.id == "candidate":
            assert isinstance(node, ast.Call)
            try:
                args = [static_value(a, rebound) for a in node.args]
            except NotStatic:
                continue
            found.inputs.extend(args)
            if len(args) > 1:
                found.inputs.append(tuple(args))
        if isinstance(node, ast.Assert) and calls_candidate(node.test):
            for side in _expected_sides(node.test):
                try:
                    found.expected.append(static_value(side, rebound))
                except NotStatic:
                    continue
            test = node.test
            if isinstance(test, ast.Compare) and len(test.ops) == 1:
                for call, other in (
                    (test.left, test.comparators[0]),
                    (test.comparators[0], test.left),
                ):
                    try:
                        found.cases.append(
                            (_call_input(call, rebound), static_value(other, rebound))
                        )
                    except NotStatic:
                        continue
    return found
