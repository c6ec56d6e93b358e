"""Where `steer` keeps converted weights and other derived files (never in the repository)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_root() -> Path:
    """``$STEER_CACHE`` if set, else ``~/.cache/steer``."""
    configured = os.environ.get("STEER_CACHE")
    root = Path(configured) if configured else Path.home() / ".cache" / "steer"
    root.mkdir(parents=True, exist_ok=True)
    return root


def materialise_dir(target: Path, build: Callable[[Path], None]) -> Path:
    """Build a directory once, atomically: ``build`` fills a temporary sibling that is renamed.

    An interrupted build leaves no half-written cache behind.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        build(scratch)
        try:
            scratch.rename(target)
        except OSError:
            if not target.is_dir():  # someone else finished first: theirs is as good as ours
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return target
