"""Fixtures shared by the console-script tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SLOW_SWEEP, steer


@pytest.fixture(scope="session")
def basic_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two-job sweep through Hydra's basic launcher, uninterrupted: the reference the
    resumed sweeps and the other launchers are held to."""
    sweep = tmp_path_factory.mktemp("sweeps") / "whole"
    result = steer("run", "-m", *SLOW_SWEEP, f"hydra.sweep.dir={sweep}", cwd=sweep.parent)
    assert result.returncode == 0, result.stderr
    return sweep
