"""Turning a test file into the source the harness runs after the program.

Two styles are accepted: plain top-level asserts, and HumanEval's ``def check(candidate)``.
A HumanEval file only defines ``check``; the call ``check(<entry point>)`` is appended here, so
a test file that is never called cannot pass by running nothing.
"""

from __future__ import annotations

import ast
import keyword

from steer.errors import SteerError


def _defines_check(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "check"
        for node in tree.body
    )


def _calls_check_at_top_level(tree: ast.Module) -> bool:
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "check"
            ):
                return True
    return False


def _top_level_functions(code: str) -> list[str] | None:
    """The program's top-level function names; None if it does not parse."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    return [
        node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def needs_entry_point(tests: str) -> bool:
    """True when the tests define ``check(candidate)`` without calling it (unparsable: False)."""
    try:
        tree = ast.parse(tests)
    except (SyntaxError, ValueError):
        return False
    return _defines_check(tree) and not _calls_check_at_top_level(tree)


def complete_tests(code: str, tests: str, entry_point: str | None = None) -> str:
    """The tests to run, with ``check(entry_point)`` appended when the file defines ``check``
    without calling it. Raises SteerError on a test file that does not parse."""
    try:
        tree = ast.parse(tests)
    except (SyntaxError, ValueError) as exc:
        raise SteerError(
            f"the test file does not parse: {exc}", "fix the test file's Python syntax"
        ) from exc
    if entry_point is not None and (
        not entry_point.isidentifier() or keyword.iskeyword(entry_point)
    ):
        raise SteerError(
            f"entry point {entry_point!r} is not a Python name",
            "pass the name of the function the tests check, e.g. has_close_elements",
        )
    if not _defines_check(tree) or _calls_check_at_top_level(tree):
        return tests
    if entry_point is not None:
        return f"{tests.rstrip()}\n\n\ncheck({entry_point})\n"
    functions = _top_level_functions(code)
    if functions is None:
        return tests  # the program does not compile: it fails before the tests run
    if len(functions) != 1:
        raise SteerError(
            f"the tests define check(candidate) but never call it, and the program defines "
            f"{len(functions)} top-level functions, so the entry point is unknown",
            "pass the function to check: entry_point=NAME (steer sandbox: --entry-point NAME)",
        )
    return f"{tests.rstrip()}\n\n\ncheck({functions[0]})\n"
