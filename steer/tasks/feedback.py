"""The test output a model sees after a failed attempt: the sandbox's traceback with the harness
frames dropped and each frame in the tests or the program shown with its source line (the
sandbox compiles them from strings, so Python prints no source there)."""

from __future__ import annotations

import re

FEEDBACK_CHARS = 1200
_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+)')
_HARNESS_PREFIX = "steer-sandbox: "


def _source_line(sources: dict[str, str], name: str, number: int) -> str | None:
    lines = sources.get(name, "").split("\n")
    return lines[number - 1].strip() if 1 <= number <= len(lines) else None


def readable_traceback(stderr: str, tests: str, program: str) -> str:
    sources = {"tests.py": tests, "program.py": program}
    out: list[str] = []
    skipping = False
    for line in stderr.split("\n"):
        if line.startswith(_HARNESS_PREFIX):
            continue
        frame = _FRAME.match(line)
        if frame:
            name = frame["file"]
            skipping = name not in sources
            if skipping:
                continue
            out.append(line)
            source = _source_line(sources, name, int(frame["line"]))
            if source:
                out.append(f"    {source}")
            continue
        if skipping and line.startswith("    "):
            continue  # the harness frame's own source line
        skipping = False
        out.append(line)
    return "\n".join(out).strip()


def tail(text: str, limit: int = FEEDBACK_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def failure_feedback(output: str, status: str) -> str:
    """The user turn after a failed attempt, as the issue words it."""
    shown = tail(output) or f"(no output; the run ended with status {status})"
    return f"The tests failed:\n```\n{shown}\n```\nPlease fix your code."
