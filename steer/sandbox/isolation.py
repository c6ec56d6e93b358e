"""What a sandboxed program can see and who it runs as: the bubblewrap command line, the weaker
``rlimits`` command line, the interpreter, and the unprivileged user.

``bwrap``: every namespace unshared (user, pid, net, ipc, uts, cgroup), so the program sees no
network (only its own loopback), no other process and cannot signal its parent;
``--die-with-parent``; ``--as-pid-1`` (the interpreter is the namespace's init: when it exits
the kernel kills everything it started, and bwrap's monitor reaps it, so its CPU time reaches
us); ``--new-session`` (no terminal injection); ``--clearenv``;
``--disable-userns`` (no nested namespaces); read-only binds of ``/usr`` (and the interpreter's
prefix when it lives elsewhere), of the loader cache and of the run's files; size-capped tmpfs
``/tmp`` and ``/dev/shm``; new minimal ``/proc`` and ``/dev``; the run's work directory
read-write as the cwd; everything else (the root, ``/dev``) read-only.

``rlimits``: only resource limits, an emptied environment, a fresh directory and (as root) an
unprivileged user. The program can still read world-readable files, use the network and, when
not started as root, signal the caller's processes.

When started as root, both modes first drop to a fresh unprivileged uid/gid picked at random
for the run, so RLIMIT_NPROC applies and counts this run's processes only, and every process of
the run can be found and killed by its uid afterwards.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from steer.errors import SteerError
from steer.sandbox.limits import SandboxLimits
from steer.sandbox.reaper import pids_of_uid

ISOLATION_MODES = ("bwrap", "rlimits")

FILES_DIR = "/sandbox"  # the harness, the program and the tests, read-only
WORK_DIR = "/work"  # the cwd, read-write
SANDBOX_UID = 1000  # the program's uid and gid as seen inside bwrap
UID_BASE = 1_900_000_000  # run uids are UID_BASE + a random offset (far from real users)
UID_SPAN = 100_000_000
BWRAP_TASKS = 2  # bwrap's monitor and the interpreter itself
RLIMITS_TASKS = 1  # the interpreter itself
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
PREFERRED_PYTHON = "/usr/bin/python3"

ENV = {"PATH": SANDBOX_PATH, "LANG": "C.UTF-8"}  # plus HOME, the work directory


@dataclass(frozen=True)
class Identity:
    """Who the program runs as: a fresh uid/gid when started as root, else the caller."""

    uid: int | None
    gid: int | None

    @property
    def dropped(self) -> bool:
        return self.uid is not None


@dataclass(frozen=True)
class Layout:
    """A run's host directories: ``files`` (read-only to the program) and ``work`` (its cwd)."""

    top: Path
    files: Path
    work: Path


def run_identity() -> Identity:
    """A uid no process uses (so the final sweep kills this run's processes only)."""
    if os.geteuid() != 0:
        return Identity(None, None)
    while True:
        uid = UID_BASE + secrets.randbelow(UID_SPAN)
        if not pids_of_uid(uid):
            return Identity(uid, uid)


def find_bwrap(path: str | None = None) -> str:
    found = shutil.which(path or "bwrap")
    if found is None:
        raise SteerError(
            "bubblewrap (bwrap) is not installed",
            "install it: apt-get install bubblewrap, or choose sandbox.isolation=rlimits",
        )
    return found


def find_python(path: str | None = None) -> str:
    """The interpreter that runs inside: the system ``python3`` (readable by any user and
    entirely under ``/usr``), unless one is given."""
    candidates = [path] if path else [PREFERRED_PYTHON, "python3"]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found is not None:
            return found
    raise SteerError(
        f"no python3 interpreter found for the sandbox (looked for {', '.join(candidates)})",
        "install python3 (apt-get install python3) or pass the interpreter's path",
    )


@functools.lru_cache(maxsize=8)
def _bwrap_help(bwrap: str) -> str:
    done = subprocess.run(
        [bwrap, "--help"], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout + done.stderr


def _root_links() -> list[str]:
    """Recreate ``/bin``, ``/lib``, ... as the host has them: symlinks into /usr or binds."""
    args: list[str] = []
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def _python_binds(python: str) -> list[str]:
    real = Path(os.path.realpath(python))
    if real.is_relative_to("/usr"):
        return []
    prefix = str(real.parent.parent)  # <prefix>/bin/python3.x
    return ["--ro-bind", prefix, prefix]


def harness_args(control_fd: int, nonce_fd: int, files: str) -> list[str]:
    return [
        "-I",
        "-u",
        f"{files}/harness.py",
        str(control_fd),
        str(nonce_fd),
        f"{files}/program.py",
        f"{files}/tests.py",
    ]


def bwrap_command(
    bwrap: str,
    python: str,
    layout: Layout,
    limits: SandboxLimits,
    control_fd: int,
    nonce_fd: int,
) -> list[str]:
    options = _bwrap_help(bwrap)
    command = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--as-pid-1",
        "--new-session",
        "--clearenv",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
    ]
    if "--disable-userns" in options:
        command.append("--disable-userns")
    command += ["--ro-bind", "/usr", "/usr", *_root_links(), *_python_binds(python)]
    for path in ("/etc/ld.so.cache", "/etc/localtime"):
        command += ["--ro-bind-try", path, path]
    command += ["--proc", "/proc", "--dev", "/dev"]
    for scratch in ("/tmp", "/dev/shm"):
        if "--size" in options:
            command += ["--size", str(limits.tmp_bytes)]
        command += ["--tmpfs", scratch]
    command += ["--ro-bind", str(layout.files), FILES_DIR]
    command += ["--bind", str(layout.work), WORK_DIR, "--chdir", WORK_DIR]
    # the root and /dev are tmpfs bwrap made; read-only, they cannot be filled
    command += ["--remount-ro", "/dev", "--remount-ro", "/"]
    for name, value in {**ENV, "HOME": WORK_DIR}.items():
        command += ["--setenv", name, value]
    command += ["--", python, *harness_args(control_fd, nonce_fd, FILES_DIR)]
    return command


def rlimits_command(python: str, layout: Layout, control_fd: int, nonce_fd: int) -> list[str]:
    return [python, *harness_args(control_fd, nonce_fd, str(layout.files))]


def rlimits_env(layout: Layout) -> dict[str, str]:
    return {**ENV, "HOME": str(layout.work)}
