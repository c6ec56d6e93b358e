"""Small models often copy the tests into their answer (``def check(candidate): ...``,
``check(f)``, ``assert ...``, ``METADATA = {...}``). An exact copy of such a statement changes
nothing when run (the real tests define and call their own ``check`` afterwards; a copied call or
assert fails exactly as the real one would), but it reads as redefining the tests.
``strip_echoed_tests`` removes top-level ``def check``, calls of ``check``, ``assert`` statements,
and assignments to names the program never reads, when they are exact copies (same syntax tree)
of statements in the tests. Imports always stay: the program may need them.
"""

from __future__ import annotations

import ast

__all__ = ["strip_echoed_tests"]


def _test_only(node: ast.stmt, reads: set[str]) -> bool:
    if isinstance(node, ast.Assign):
        targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
        return len(targets) == len(node.targets) and not set(targets) & reads
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return node.name == "check"
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return isinstance(node.value.func, ast.Name) and node.value.func.id == "check"
    return isinstance(node, ast.Assert)


def strip_echoed_tests(code: str, tests: str) -> tuple[str, int]:
    """The code without test-only statements copied from the tests, and how many were removed.
    Code or tests that do not parse are returned unchanged."""
    try:
        code_tree, tests_tree = ast.parse(code), ast.parse(tests)
    except (SyntaxError, ValueError):
        return code, 0
    reads = {
        n.id for n in ast.walk(code_tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    copied = {ast.dump(node) for node in tests_tree.body if _test_only(node, set())}
    lines = code.split("\n")
    removed = 0
    for node in reversed(code_tree.body):
        if _test_only(node, reads) and ast.dump(node) in copied and node.end_lineno is not None:
            decorators = getattr(node, "decorator_list", [])
            first = min([node.lineno, *(d.lineno for d in decorators)])
            del lines[first - 1 : node.end_lineno]
            removed += 1
    return "\n".join(lines), removed
