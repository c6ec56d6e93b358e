"""Where the Hydra configs live: the checkout's ``conf/`` or the copy inside a wheel."""

from __future__ import annotations

from pathlib import Path

from steer.errors import SteerError


def conf_dir() -> Path:
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "conf", package / "_conf"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise SteerError("cannot find steer's conf/ directory", "reinstall steer (`make setup`)")
