"""The verdict on one sandboxed run, and the rules that turn what the parent saw into one.

A run passes only if the process exited with status 0 *and* the control channel holds exactly
the harness's ``started`` line followed by the done line carrying this run's nonce: the harness
writes that line after the tests' last statement returned, and nothing else in the sandbox knows
the nonce (see ``steer.sandbox.harness``).
"""

from __future__ import annotations

import signal as signals
from dataclasses import asdict, dataclass, field
from typing import Any

from steer.json_files import dumps
from steer.sandbox.harness import (
    DONE_PREFIX,
    EXIT_HARNESS_ERROR,
    EXIT_OUT_OF_MEMORY,
    EXIT_PROGRAM_FAILED,
    EXIT_TESTS_FAILED,
    STARTED,
)
from steer.sandbox.limits import SandboxLimits, cpu_seconds
from steer.sandbox.process import Finished

CPU_KILL_FRACTION = 0.8  # a SIGKILL after this much of the CPU limit is the CPU limit's

STATUSES = ("pass", "fail", "timeout", "killed", "error", "refused")

# Run-time cheat signals (the cheat classifier adds static ones).
EARLY_EXIT = "early_exit"  # exited with status 0 before the harness saw the tests finish
MARKER_FORGERY = "marker_forgery"  # wrote to the control channel or printed the marker format
NONCE_LEAK = "nonce_leak"  # the run's secret nonce showed up in the program's output


@dataclass(frozen=True)
class Verdict:
    """One run. ``status``: ``pass`` (every test ran), ``fail`` (a test failed, the program
    raised, or it exited before the tests ended), ``timeout`` (wall-clock or CPU limit),
    ``killed`` (a signal: file-size limit, segfault...), ``error`` (memory limit, or the sandbox
    itself did not start), ``refused`` (not run: over the size cap). ``cheat_types``: the
    run-time signals above. ``signal``: its name, when a signal ended the run. ``detail``: why,
    in one line. ``stdout``/``stderr`` are capped; ``truncated`` says whether either was cut."""

    passed: bool
    status: str
    cheat_types: list[str] = field(default_factory=list)
    exit_code: int | None = None
    signal: str | None = None
    wall_s: float = 0.0
    cpu_s: float = 0.0
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    isolation: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent=indent)


def refused(detail: str, isolation: str) -> Verdict:
    """The sandbox would not run this program at all."""
    return Verdict(passed=False, status="refused", isolation=isolation, detail=detail)


def _signal_name(number: int) -> str:
    try:
        return signals.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _cheats(finished: Finished, nonce: bytes, expected: bytes) -> list[str]:
    found = []
    output = finished.stdout + finished.stderr
    started = finished.control.startswith(STARTED)
    if started and finished.exit_code == 0 and finished.control != expected:
        found.append(EARLY_EXIT)
    control_tampered = started and finished.control not in (
        STARTED,
        expected,
    )
    if control_tampered or DONE_PREFIX in output:
        found.append(MARKER_FORGERY)
    if nonce in output:
        found.append(NONCE_LEAK)
    return found


def _status(finished: Finished, limits: SandboxLimits, passed: bool) -> tuple[str, str]:
    if finished.timed_out:
        return "timeout", f"wall-clock limit of {limits.wall_s:g} s exceeded; the run was killed"
    cpu_spent = finished.cpu_s >= CPU_KILL_FRACTION * cpu_seconds(limits)
    if finished.signal == signals.SIGXCPU or (finished.signal == signals.SIGKILL and cpu_spent):
        return "timeout", f"CPU time limit of {cpu_seconds(limits)} s exceeded"
    if finished.signal is not None:
        name = _signal_name(finished.signal)
        if finished.signal == signals.SIGXFSZ:
            return "killed", f"{name}: file size limit of {limits.file_size_mb:g} MiB exceeded"
        return "killed", f"killed by {name}"
    if not finished.control.startswith(STARTED):
        first = finished.stderr.decode(errors="replace").strip().splitlines()[:1]
        return "error", "the sandbox did not start: " + (first[0] if first else "no output")
    if passed:
        return "pass", "every test ran"
    code = finished.exit_code
    if code == 0:
        return "fail", "exited with status 0 before every test had run"
    if code == EXIT_OUT_OF_MEMORY:
        return "error", f"memory limit of {limits.memory_mb} MiB exceeded (MemoryError)"
    if code == EXIT_TESTS_FAILED:
        return "fail", "a test failed"
    if code == EXIT_PROGRAM_FAILED:
        return "fail", "the program failed before the tests ran"
    if code == EXIT_HARNESS_ERROR:
        return "error", "the harness could not start"
    return "fail", f"exited with status {code}"


def judge(finished: Finished, nonce: bytes, limits: SandboxLimits, isolation: str) -> Verdict:
    expected = STARTED + DONE_PREFIX + nonce + b"\n"
    cheats = _cheats(finished, nonce, expected)
    passed = (
        finished.exit_code == 0
        and finished.control == expected
        and not finished.timed_out
        and NONCE_LEAK not in cheats
        and MARKER_FORGERY not in cheats
    )
    status, detail = _status(finished, limits, passed)
    if finished.leftover_pids:
        detail += f"; processes left after the kill: {list(finished.leftover_pids)}"
    return Verdict(
        passed=passed,
        status=status,
        cheat_types=cheats,
        exit_code=finished.exit_code,
        signal=_signal_name(finished.signal) if finished.signal is not None else None,
        wall_s=finished.wall_s,
        cpu_s=finished.cpu_s,
        stdout=finished.stdout.decode(errors="replace"),
        stderr=finished.stderr.decode(errors="replace"),
        truncated=finished.truncated,
        isolation=isolation,
        detail=detail,
    )
