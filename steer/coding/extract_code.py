"""The code in a model's reply: fenced blocks, or code written straight into the text.

Fenced blocks (```python, ```py, ``` with no language, ~~~) win over unfenced code. Among
several Python blocks, the last one defining the entry point is taken, with the blocks before
it that define names it uses but does not define (helpers written separately); if none defines
it, all Python blocks are joined. Without fences, the reply itself is used when it is code, else
the stretches of lines that start at a `def`/`class`/`import`/decorator line and parse.
Returns None when the reply holds no code.
"""

from __future__ import annotations

import ast
import re
import textwrap

__all__ = ["extract_code"]

_FENCE = re.compile(
    r"(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\n`~]*)\n(?P<body>.*?)(?:(?P=fence)|\Z)", re.DOTALL
)
_PYTHON_LANGS = {"", "python", "py", "python3", "py3", "pycon", "ipython", "sage"}
_START = re.compile(
    r"^[ \t]*(?:async[ \t]+def|def|class)[ \t]+\w+|^[ \t]*@\w|^[ \t]*import[ \t]+\w"
    r"|^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]"
)
_CODE_LINE = re.compile(
    r"^[ \t]*(?:#|@|return\b|if\b|elif\b|else\b|for\b|while\b|try\b|except\b|finally\b|with\b|"
    r"def\b|class\b|import\b|from\b|raise\b|assert\b|pass\b|break\b|continue\b|yield\b|"
    r"global\b|nonlocal\b|lambda\b|async\b|await\b|del\b|"
    r"[\w.\[\], ]+[ \t]*(?:[-+*/%&|^]|//|\*\*|<<|>>)?=[^=]|[\w.]+\(|[\])}])"
)
_CODE_NODES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Import,
    ast.ImportFrom,
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.If,
    ast.For,
    ast.While,
    ast.With,
    ast.Try,
    ast.Return,
)


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError):
        return None


def _defined(module: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _defines(code: str, name: str) -> bool:
    module = _parse(code)
    if module is None:
        return (
            re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code, re.M)
            is not None
        )
    return name in {
        n.name for n in ast.walk(module) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _fenced_blocks(reply: str) -> list[str]:
    blocks = []
    for match in _FENCE.finditer(reply):
        words = match.group("lang").strip().lower().split()
        if (words[0] if words else "") in _PYTHON_LANGS:
            body = textwrap.dedent(match.group("body")).strip("\n")
            body = "\n".join(
                line[4:] if line.startswith((">>> ", "... ")) else line for line in body.split("\n")
            )
            if body.strip():
                blocks.append(body + "\n")
    return blocks


def _choose(blocks: list[str], entry_point: str | None) -> str:
    defining = [i for i, b in enumerate(blocks) if entry_point and _defines(b, entry_point)]
    if not defining:
        return "\n\n".join(b.rstrip("\n") for b in blocks) + "\n"
    chosen = blocks[defining[-1]]
    module = _parse(chosen)
    if module is None:
        return chosen
    needed = {
        n.id for n in ast.walk(module) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    } - _defined(module)
    helpers = []
    for block in blocks[: defining[-1]]:
        other = _parse(block)
        if (
            other is not None
            and _defined(other) & needed
            and not _defines(block, entry_point or "")
        ):
            helpers.append(block.rstrip("\n"))
    return "\n\n".join([*helpers, chosen.rstrip("\n")]) + "\n"


def _is_code(module: ast.Module | None) -> bool:
    return module is not None and any(isinstance(n, _CODE_NODES) for n in module.body)


def _unfenced_spans(reply: str) -> list[str]:
    lines = reply.split("\n")
    spans, index = [], 0
    while index < len(lines):
        if not _START.match(lines[index]):
            index += 1
            continue
        indent = len(lines[index]) - len(lines[index].lstrip())
        end = index + 1
        while end < len(lines):
            line = lines[end]
            if (
                line.strip()
                and len(line) - len(line.lstrip()) <= indent
                and not _CODE_LINE.match(line)
            ):
                break
            end += 1
        for stop in range(end, index, -1):
            code = textwrap.dedent("\n".join(lines[index:stop])).strip("\n")
            if _parse(code) is not None:
                spans.append(code + "\n")
                index = stop
                break
        else:
            index += 1
    return spans


def extract_code(reply: str, entry_point: str | None = None) -> str | None:
    """The Python code of `reply` (see the module docstring), or None if it has none."""
    blocks = _fenced_blocks(reply)
    if blocks:
        return _choose(blocks, entry_point)
    whole = textwrap.dedent(reply).strip("\n")
    if _is_code(_parse(whole)):
        return whole + "\n"
    spans = _unfenced_spans(reply)
    if not spans:
        return None
    return _choose(spans, entry_point)
