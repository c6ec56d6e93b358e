"""The environment is the lock: every dependency pinned, and the installed versions equal it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "lock_drift"


def _lock_drift() -> ModuleType:
    """scripts/lock_drift, the check `make setup` runs, loaded as a module."""
    loader = SourceFileLoader("lock_drift", str(SCRIPT))
    module = module_from_spec(spec_from_loader("lock_drift", loader))
    loader.exec_module(module)
    return module


def test_the_lock_pins_every_direct_dependency() -> None:
    lock_drift = _lock_drift()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = lock_drift.pins(ROOT / "requirements.lock")
    names = {lock_drift.normalized(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in direct}
    assert names <= set(pins)
    assert pins["torch"].startswith("2.13.0")  # the CPU wheel on this machine's disk


@pytest.mark.skipif(
    os.environ.get("STEER_UNLOCKED") == "1", reason="make test-latest runs the newest releases"
)
def test_the_installed_versions_are_the_locked_ones() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, ""), "locked vs installed; run `make setup`"


def test_the_drift_check_names_what_differs(tmp_path: Path) -> None:
    lock = tmp_path / "stale.lock"
    lock.write_text(
        "# a comment line\npytest==0.0.1\n    # via steer\nnot-a-real-package-xyz==1.0\n"
    )
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(lock)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"steer: pytest: locked 0.0.1, installed {pytest.__version__} (stale.lock)",
        "steer: not-a-real-package-xyz: locked 1.0, installed not installed (stale.lock)",
    ]
