"""Files and directories the user names: checked and read with one-line errors.

A path that does not exist, a directory where a file is expected (or the reverse), a file that
cannot be read or is not UTF-8 text (a binary file) are each named as what they are, with the
option the user set to name them in the fix.
"""

from __future__ import annotations

from pathlib import Path

from steer.errors import SteerError

__all__ = ["read_text", "require_dir", "require_file"]


def require_file(path: Path, what: str, fix: str) -> None:
    """A SteerError unless ``path`` is an existing file (``what``: "prompt file", ...)."""
    if path.is_dir():
        raise SteerError(f"{what} {path} is a directory, not a file", fix)
    if not path.exists():
        raise SteerError(f"{what} {path} does not exist", fix)
    if not path.is_file():
        raise SteerError(f"{what} {path} is not a regular file", fix)


def require_dir(path: Path, what: str, fix: str) -> None:
    """A SteerError unless ``path`` is an existing directory."""
    if path.is_file():
        raise SteerError(f"{what} {path} is a file, not a directory", fix)
    if not path.is_dir():
        raise SteerError(f"{what} {path} does not exist", fix)


def read_text(path: Path, what: str, fix: str) -> str:
    """The UTF-8 text of a file the user named."""
    require_file(path, what, fix)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SteerError(f"cannot read {what} {path} ({error.strerror})", fix) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        kind = "a binary file" if b"\0" in data[:8192] else "not UTF-8 text"
        raise SteerError(
            f"{what} {path} is {kind} (byte {error.start} cannot be decoded as UTF-8)",
            f"{fix}; it must be UTF-8 text",
        ) from None
