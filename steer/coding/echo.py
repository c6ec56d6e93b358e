"""Small models often copy the tests into their answer (``def check(candidate): ...``,
``check(f)``). An exact copy changes nothing when run (the real tests define and call their own
``check`` afterwards; a copied call fails exactly as the real one would), but it reads as
redefining the tests. ``strip_echoed_tests`` removes top-level statements that are exact copies
(same syntax tree) of top-level statements of the tests, keeping the rest of the text as written.
"""

from __future__ import annotations

import ast

__all__ = ["strip_echoed_tests"]


def strip_echoed_tests(code: str, tests: str) -> tuple[str, int]:
    """The code without statements copied from the tests, and how many were removed.
    Code or tests that do not parse are returned unchanged."""
    try:
        code_tree, tests_tree = ast.parse(code), ast.parse(tests)
    except (SyntaxError, ValueError):
        return code, 0
    copied = {ast.dump(node) for node in tests_tree.body}
    lines = code.split("\n")
    removed = 0
    for node in reversed(code_tree.body):
        if ast.dump(node) in copied and node.end_lineno is not None:
            decorators = getattr(node, "decorator_list", [])
            first = min([node.lineno, *(d.lineno for d in decorators)])
            del lines[first - 1 : node.end_lineno]
            removed += 1
    return "\n".join(lines), removed
