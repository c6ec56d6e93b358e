"""Two texts side by side in a terminal, each wrapped to its column and trimmed.

Model text is hostile here too: control characters (an ANSI escape sequence can recolour or
clear a terminal) are replaced before anything is printed.
"""

from __future__ import annotations

import textwrap

GAP = " | "
ELLIPSIS = "…"
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def printable(text: str) -> str:
    """One line of plain text: whitespace runs become one space, other control characters
    become U+FFFD."""
    cleaned = "".join(c if c.isprintable() or c.isspace() else REPLACEMENT for c in text)
    return " ".join(cleaned.split())


def wrapped(text: str, width: int, max_lines: int) -> list[str]:
    """``text`` wrapped to ``width`` columns, at most ``max_lines`` lines; a cut ends in …."""
    lines = textwrap.wrap(printable(text), width, break_long_words=True) or ["(empty)"]
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + ELLIPSIS
    return kept


def side_by_side(
    left: tuple[str, str], right: tuple[str, str], width: int, max_lines: int
) -> list[str]:
    """(title, text) pairs as two columns filling ``width``; titles on the first line."""
    column = max(10, (width - len(GAP)) // 2)
    lefts = [left[0][:column], *wrapped(left[1], column, max_lines)]
    rights = [right[0][:column], *wrapped(right[1], column, max_lines)]
    rows = max(len(lefts), len(rights))
    lefts += [""] * (rows - len(lefts))
    rights += [""] * (rows - len(rights))
    return [f"{a.ljust(column)}{GAP}{b}".rstrip() for a, b in zip(lefts, rights, strict=True)]
