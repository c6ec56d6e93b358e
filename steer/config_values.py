"""Numbers in a composed config: every one must be finite.

Hydra reads ``nan``, ``inf`` and ``1e999`` as floats, and the schemas accept them, but none is a
meaningful strength, temperature, time limit or fraction: NaN steering empties every reply,
and an infinite time limit is no limit. Checked once per command (``steer run``, ``extract``,
``inspect``) before anything loads; ranges particular to one setting are checked where the
setting is used (``steer.steering.strengths``, ``steer.sandbox.limits``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from omegaconf import DictConfig, OmegaConf

from steer.errors import SteerError

__all__ = ["refuse_non_finite"]


def _numbers(value: Any, key: str) -> Iterator[tuple[str, float]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _numbers(item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{key}[{index}]")
    elif isinstance(value, float):
        yield key, value


def refuse_non_finite(cfg: DictConfig) -> None:
    """A SteerError naming the first NaN or infinite number in ``cfg``."""
    plain = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    for key, value in _numbers(plain, ""):
        if not math.isfinite(value):
            raise SteerError(
                f"{key} is {value!r}, not a finite number", f"set {key} to a finite number"
            )
