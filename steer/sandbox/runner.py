"""``run_tests``: one program against one test file, in a fresh sandbox, to a Verdict.

Model-written code is hostile until proven otherwise: this is the only place it runs.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from steer.errors import SteerError
from steer.sandbox import harness
from steer.sandbox.isolation import (
    BWRAP_TASKS,
    ISOLATION_MODES,
    RLIMITS_TASKS,
    SANDBOX_PATH,
    Identity,
    Layout,
    bwrap_command,
    find_bwrap,
    find_python,
    rlimits_command,
    rlimits_env,
    run_identity,
)
from steer.sandbox.limits import SandboxLimits, limit_setter, rlimits
from steer.sandbox.process import Launch, run_contained
from steer.sandbox.reaper import count_tasks
from steer.sandbox.testfile import complete_tests
from steer.sandbox.verdict import Verdict, judge, refused

logger = logging.getLogger(__name__)

MAX_SOURCE_BYTES = 1024 * 1024
RLIMITS_WARNING = (
    "SANDBOX WEAKENED: sandbox.isolation=rlimits runs model-written code with resource limits "
    "only: no namespaces, so it can read world-readable files, use the network%s. "
    "Use sandbox.isolation=bwrap (apt-get install bubblewrap) for real isolation."
)


def run_tests(
    code: str,
    tests: str,
    limits: SandboxLimits | None = None,
    isolation: str = "bwrap",
    *,
    entry_point: str | None = None,
    bwrap: str | None = None,
    python: str | None = None,
) -> Verdict:
    """Run ``code`` then ``tests`` (plain asserts, or HumanEval's ``check(candidate)`` called on
    ``entry_point``) in a sandbox. Passes only if every test ran; see ``steer.sandbox``.

    ``bwrap`` and ``python`` override the paths of bubblewrap and of the sandbox's interpreter.
    Raises SteerError on bad input (unknown isolation, bwrap missing, tests that do not parse).
    """
    limits = limits or SandboxLimits()
    if isolation not in ISOLATION_MODES:
        raise SteerError(
            f"unknown sandbox isolation {isolation!r}",
            f"choose one of: {', '.join(ISOLATION_MODES)}",
        )
    tests_source = complete_tests(code, tests, entry_point)
    bwrap_path = find_bwrap(bwrap) if isolation == "bwrap" else None
    interpreter = find_python(python)
    identity = run_identity()
    if bwrap_path is None:
        escape = "" if identity.dropped else " and signal the caller's processes"
        logger.warning(RLIMITS_WARNING, escape)
    for name, source in (("program", code), ("tests", tests_source)):
        size = len(source.encode(errors="replace"))
        if size > MAX_SOURCE_BYTES:
            return refused(f"the {name} is {size} bytes, over {MAX_SOURCE_BYTES}", isolation)

    nonce = secrets.token_hex(32).encode()
    with _workspace(identity) as layout:
        _write(layout.files / "harness.py", Path(harness.__file__).read_text())
        _write(layout.files / "program.py", code)
        _write(layout.files / "tests.py", tests_source)
        nonce_read, nonce_write = os.pipe()
        os.write(nonce_write, nonce)  # 64 bytes: fits in the pipe buffer
        os.close(nonce_write)
        control_read, control_write = os.pipe()
        if bwrap_path is not None:
            command = bwrap_command(
                bwrap_path, interpreter, layout, limits, control_write, nonce_read
            )
            env = {"PATH": SANDBOX_PATH}  # bwrap clears it for the program anyway
        else:
            command = rlimits_command(interpreter, layout, control_write, nonce_read)
            env = rlimits_env(layout)
        overhead = BWRAP_TASKS if bwrap_path is not None else RLIMITS_TASKS
        launch = Launch(
            command=command,
            env=env,
            cwd=str(layout.work),
            identity=identity,
            preexec=limit_setter(rlimits(limits, _max_tasks(identity, limits, overhead))),
            pass_fds=(control_write, nonce_read),
            signals_in_exit_code=bwrap_path is not None,
        )
        finished = run_contained(
            launch, control_read, limits.wall_s, limits.output_bytes, interpreter
        )
    return judge(finished, nonce, limits, isolation)


def _max_tasks(identity: Identity, limits: SandboxLimits, overhead: int) -> int:
    """RLIMIT_NPROC counts every task of the uid. A run uid has none yet; without root we share
    the caller's uid, so its current tasks are added (the limit is then approximate)."""
    existing = 0 if identity.dropped else count_tasks(os.getuid())
    return existing + overhead + limits.processes


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="replace")
    path.chmod(0o644)


@contextmanager
def _workspace(identity: Identity) -> Iterator[Layout]:
    """A fresh directory: ``files`` (root-owned, read-only to the program) and ``work`` (the
    program's own, its cwd). Removed afterwards, whatever the program left in it."""
    top = Path(tempfile.mkdtemp(prefix="steer-sandbox-"))
    try:
        top.chmod(0o711)  # a dropped uid may traverse, not list
        files, work = top / "files", top / "work"
        files.mkdir(mode=0o755)
        files.chmod(0o755)
        work.mkdir(mode=0o700)
        if identity.uid is not None and identity.gid is not None:
            os.chown(work, identity.uid, identity.gid)
        yield Layout(top=top, files=files, work=work)
    finally:
        _remove(top, privileged=identity.dropped)


def _remove(top: Path, privileged: bool) -> None:
    if not privileged:  # the program may have made its own directories unwritable
        for root, dirs, _ in os.walk(top):
            for name in dirs:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chmod(path, 0o700)
    shutil.rmtree(top, ignore_errors=True)
