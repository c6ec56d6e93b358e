"""Running one contained process: limits applied between fork and exec, output read with caps, a
wall-clock deadline, and everything the run started killed before we return."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from steer.sandbox.isolation import Identity
from steer.sandbox.reaper import kill_group, kill_uid

READ_CHUNK = 65536
CONTROL_CAP = 4096  # the control channel holds two short lines
DRAIN_S = 1.0  # after the process ended, how long to wait for the pipes to close
POLL_S = 0.05  # only used where pidfd_open is missing


@dataclass(frozen=True)
class Finished:
    """What the parent observed: the raw material of a verdict."""

    exit_code: int | None
    signal: int | None
    timed_out: bool
    wall_s: float
    cpu_s: float
    stdout: bytes
    stderr: bytes
    control: bytes
    truncated: bool
    leftover_pids: tuple[int, ...]


class _Capture:
    """Bytes read from one pipe, keeping at most ``cap`` of them."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self.overflow = False

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if len(chunk) > room:
            self.overflow = True
        self.data += chunk[: max(room, 0)]


@dataclass(frozen=True)
class Launch:
    """How to start the process: command, environment, who it runs as, its limits."""

    command: Sequence[str]
    env: dict[str, str]
    cwd: str
    identity: Identity
    preexec: Callable[[], None]
    pass_fds: tuple[int, ...]
    signals_in_exit_code: bool  # bwrap reports a child killed by signal N as exit 128 + N


def run_contained(
    launch: Launch, control_read: int, wall_s: float, output_bytes: int, python: str
) -> Finished:
    """Start, watch and clean up. ``control_read`` is the parent's end of the control pipe
    (closed here); the child's ends listed in ``pass_fds`` are closed here once it started."""
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            list(launch.command),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=launch.env,
            cwd=launch.cwd,
            pass_fds=launch.pass_fds,
            preexec_fn=launch.preexec,
            start_new_session=True,
            user=launch.identity.uid,
            group=launch.identity.gid,
            extra_groups=[] if launch.identity.dropped else None,
        )
    except BaseException:
        _close_quietly(control_read)
        raise
    finally:
        for fd in launch.pass_fds:
            _close_quietly(fd)
    assert process.stdout is not None and process.stderr is not None
    captures = {
        process.stdout.fileno(): _Capture(output_bytes),
        process.stderr.fileno(): _Capture(output_bytes),
        control_read: _Capture(CONTROL_CAP),
    }
    selector = selectors.DefaultSelector()
    for fd in captures:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    pidfd = _pidfd(process.pid)
    if pidfd is not None:
        selector.register(pidfd, selectors.EVENT_READ)

    timed_out = not _watch(process.pid, selector, captures, pidfd, start + wall_s)
    end = time.monotonic()
    # the leader is not reaped yet, so its pid (the group id) cannot have been reused
    leftover = _kill_everything(process.pid, launch.identity, python)
    _, status, rusage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    _drain(selector, captures, pidfd, time.monotonic() + DRAIN_S)
    selector.close()
    process.stdout.close()
    process.stderr.close()
    _close_quietly(control_read)
    if pidfd is not None:
        _close_quietly(pidfd)

    exit_code, signal_number = _decode(status, launch.signals_in_exit_code)
    stdout, stderr, control = captures.values()
    return Finished(
        exit_code=exit_code,
        signal=signal_number,
        timed_out=timed_out,
        wall_s=round(end - start, 3),
        cpu_s=round(rusage.ru_utime + rusage.ru_stime, 3),
        stdout=bytes(stdout.data),
        stderr=bytes(stderr.data),
        control=bytes(control.data) + (b"<overflow>" if control.overflow else b""),
        truncated=stdout.overflow or stderr.overflow,
        leftover_pids=tuple(leftover),
    )


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _watch(
    pid: int,
    selector: selectors.BaseSelector,
    captures: dict[int, _Capture],
    pidfd: int | None,
    deadline: float,
) -> bool:
    """Read output until the process exits (True; left unreaped) or the deadline passes."""
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        timeout = remaining if pidfd is not None else min(remaining, POLL_S)
        for key, _ in selector.select(timeout):
            if key.fd != pidfd:
                _read(selector, captures, key.fd)


def _drain(
    selector: selectors.BaseSelector,
    captures: dict[int, _Capture],
    pidfd: int | None,
    deadline: float,
) -> None:
    """Everything in the run is dead: read what is left in the pipes until they close."""
    if pidfd is not None:
        selector.unregister(pidfd)
    while selector.get_map() and (remaining := deadline - time.monotonic()) > 0:
        for key, _ in selector.select(remaining):
            _read(selector, captures, key.fd)


def _read(selector: selectors.BaseSelector, captures: dict[int, _Capture], fd: int) -> None:
    try:
        chunk = os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return
    if chunk:
        captures[fd].add(chunk)
    else:
        selector.unregister(fd)


def _kill_everything(pid: int, identity: Identity, python: str) -> list[int]:
    """The process group first (the whole run in rlimits mode; bwrap's monitor, whose death
    takes its pid namespace down), then, when we dropped to a run uid, every process of it."""
    kill_group(pid)
    if identity.uid is None or identity.gid is None:
        return []
    return kill_uid(identity.uid, identity.gid, python)


def _decode(status: int, signals_in_exit_code: bool) -> tuple[int | None, int | None]:
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        return None, -code
    if signals_in_exit_code and code > 128:
        return None, code - 128
    return code, None


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
