"""Output directories: writable before anything expensive starts, and held by one process.

``check_writable`` runs before a model loads, so an hour of generation is never thrown away at
the ``metrics.json`` step: the directory (or, before it exists, its nearest existing parent)
must be a directory in which a file can be created, and the run files it already holds must
open for appending. The check leaves nothing behind.

``hold`` takes an exclusive OS lock (``fcntl.flock``) on the directory for the life of a run:
a second process writing into the same directory is refused at once, and the kernel releases
the lock when the holder exits, however it exits (a crash, ``kill -9``). Where a file system
cannot lock a directory (some network file systems), a ``.steer.lock`` file inside it is
locked instead.
"""

from __future__ import annotations

import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from steer.errors import SteerError

__all__ = ["LOCK_FILE", "check_writable", "hold"]

LOCK_FILE = ".steer.lock"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_writable(path: Path, option: str, files: Sequence[str] = (), create: bool = True) -> None:
    """A SteerError unless ``path`` can take the run's files. ``option``: how the user chose it
    (``hydra.run.dir``); ``files``: names in it that will be appended to or replaced;
    ``create``: make the directory now (else only its nearest existing parent is checked)."""
    fix = f"choose a directory you can write to ({option}=...)"
    path = path.expanduser().absolute()
    existing = _nearest_existing(path)
    if not existing.is_dir():
        where = "is a file" if existing == path else f"cannot be created: {existing} is a file"
        raise SteerError(f"output directory {path} {where}, not a directory", fix)
    if create and existing != path:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SteerError(
                f"cannot create output directory {path} ({error.strerror})", fix
            ) from None
        existing = path
    try:
        handle, probe = tempfile.mkstemp(prefix=".steer-write-check-", dir=existing)
    except OSError as error:
        what = "output directory" if existing == path else "the parent directory"
        raise SteerError(
            f"cannot write into {what} {existing} ({error.strerror}); the run could not save "
            "its files",
            fix,
        ) from None
    os.close(handle)
    os.unlink(probe)
    for name in files:
        target = path / name
        if target.exists():
            try:
                with target.open("ab"):
                    pass
            except OSError as error:
                raise SteerError(
                    f"cannot write {target} ({error.strerror}); the run could not save it", fix
                ) from None


def _lock(fd: int) -> bool:
    """Take the lock on ``fd`` without waiting; False when another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open_lockable(path: Path) -> int:
    """A descriptor to lock: the directory itself, or the lock file where that cannot lock."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return fd
    except BlockingIOError:
        return fd  # locked by someone: the directory itself is lockable
    except OSError as error:
        if error.errno not in (errno.EBADF, errno.ENOLCK, errno.EINVAL, errno.EOPNOTSUPP):
            raise
        os.close(fd)
    return os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)


@contextmanager
def hold(path: Path, option: str) -> Iterator[None]:
    """Hold ``path`` (created if missing) for the body's duration; a SteerError at once if
    another process holds it."""
    path.mkdir(parents=True, exist_ok=True)
    fd = _open_lockable(path)
    try:
        if not _lock(fd):
            raise SteerError(
                f"{path} is in use: another steer process is writing into it",
                f"wait until it finishes, or choose another directory ({option}=...); "
                "nothing was changed",
            )
        yield
    finally:
        os.close(fd)  # releases the lock
