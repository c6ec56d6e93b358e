"""Finding and killing what a run left behind, by the run's uid or by process group."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

KILL_EVERYTHING = """
import os, signal
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
"""
SWEEPS = 20


def _real_uid(status: str) -> int | None:
    for line in status.splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return None


def pids_of_uid(uid: int) -> list[int]:
    """Processes whose real uid is ``uid`` (zombies included: they still hold a slot)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if _real_uid(status) == uid:
            found.append(int(entry.name))
    return found


def count_tasks(uid: int) -> int:
    """Threads of every process of ``uid``: what RLIMIT_NPROC counts."""
    total = 0
    for pid in pids_of_uid(uid):
        try:
            total += len(os.listdir(f"/proc/{pid}/task"))
        except OSError:
            continue
    return total


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def kill_uid(uid: int, gid: int, python: str) -> list[int]:
    """Kill every process of ``uid`` (root only). ``kill(-1)`` sent *as* that uid reaches all of
    them at once, in every pid namespace, so a fork bomb cannot outrun it. Repeated until none
    is left; returns the pids still found at the end (empty when all are gone)."""
    left = [pid for pid in pids_of_uid(uid) if not _is_zombie(pid)]
    for _ in range(SWEEPS):
        if not left:
            return []
        subprocess.run(
            [python, "-I", "-S", "-c", KILL_EVERYTHING],
            user=uid,
            group=gid,
            extra_groups=[],
            env={},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
        left = [pid for pid in pids_of_uid(uid) if not _is_zombie(pid)]
    return left


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"
