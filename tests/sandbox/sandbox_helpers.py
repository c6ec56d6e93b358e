"""Shared pieces of the sandbox tests. Every test runs a real (often hostile) program through the
real sandbox; the markers below skip what this machine cannot do rather than fake it."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

requires_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None,
    reason="bubblewrap is not installed (apt-get install bubblewrap)",
)
requires_root = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="rlimits mode only drops to an unprivileged uid (and so contains this) as root",
)

# Both modes, for hostile programs rlimits mode contains too (as root: separate uid).
BOTH_MODES = [
    pytest.param("bwrap", marks=requires_bwrap),
    pytest.param("rlimits", marks=requires_root),
]

ADD = "def add(a, b):\n    return a + b\n"
CHECK_ADD = (
    "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
)
IMPOSSIBLE_ADD = (
    "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 1\n"
)


def new_marker() -> str:
    """A string unique to one test, to find the processes a program left behind."""
    return f"steer-sandbox-test-{uuid.uuid4().hex}"


def processes_with(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker`` (zombies have an empty one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            found.append(int(entry.name))
    return found
