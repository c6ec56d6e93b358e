"""The environment is the lock: every dependency pinned, and the installed versions equal it."""

from __future__ import annotations

import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split("==")
            pins[_name(name)] = version.strip()
    return pins


def test_the_lock_pins_every_direct_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = _pins(ROOT / "requirements.lock")
    assert {_name(r) for r in direct} <= set(pins)
    assert pins["torch"].startswith("2.13.0")  # the CPU wheel on this machine's disk


@pytest.mark.skipif(
    os.environ.get("STEER_UNLOCKED") == "1", reason="make test-latest runs the newest releases"
)
@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-models.lock"])
def test_the_installed_versions_are_the_locked_ones(lock: str) -> None:
    differing = {}
    for name, version in _pins(ROOT / lock).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            differing[name] = (version, installed)
    assert differing == {}, "locked vs installed; run `make setup`"
