"""Damage bounds, and the largest strength in each direction that stays within them.

Per strength, over the calibration prompts, against strength 0 of the same prompts:

- ``perplexity_ratio``: the geometric mean over prompts of the reply's perplexity under the
  unsteered model divided by that of the strength-0 reply (prompts where either reply is
  empty are left out; the empty rate counts them);
- ``repetition``: the mean share of repeated word 3-grams in the replies, minus strength 0's;
- ``empty_rate``: the share of replies with no letter or digit, minus strength 0's;
- ``truncated_rate``: the share of replies cut at ``max_new_tokens`` (no end-of-sequence
  token), minus strength 0's.

A strength is *within bounds* when none of the four exceeds its bound. The calibrated bound in
a direction is the largest strength such that it and every grid strength between it and 0 are
within bounds: walking outward from 0, the first strength that does damage stops the walk,
even if a stronger one happens to pass (damage is not expected to heal with strength).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from steer.errors import SteerError

Direction = Literal["negative", "positive"]
DIRECTIONS: tuple[Direction, ...] = ("negative", "positive")


@dataclass(frozen=True)
class DamageBounds:
    perplexity_ratio: float = 3.0
    repetition: float = 0.15
    empty_rate: float = 0.0
    truncated_rate: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (math.isfinite(value) and value >= 0):
                raise SteerError(
                    f"calibrate.bounds.{name} must be a finite number >= 0, not {value}",
                    "fix the bound (see conf/calibrate.yaml)",
                )
        if self.perplexity_ratio < 1:
            raise SteerError(
                "calibrate.bounds.perplexity_ratio below 1 would refuse strength 0 itself",
                "give a ratio of at least 1 (e.g. 3.0)",
            )


@dataclass(frozen=True)
class StrengthDamage:
    """What one strength did, over the prompts (deltas against strength 0)."""

    strength: float
    n: int
    effect: float | None  # mean readout of the steered vector over the replies
    effect_delta: float | None  # effect minus strength 0's
    perplexity_ratio: float | None
    repetition: float
    empty_rate: float
    truncated_rate: float

    def violations(self, bounds: DamageBounds) -> list[str]:
        """The bounds this strength exceeds, by name."""
        exceeded = []
        if self.perplexity_ratio is not None and self.perplexity_ratio > bounds.perplexity_ratio:
            exceeded.append("perplexity_ratio")
        for name in ("repetition", "empty_rate", "truncated_rate"):
            if getattr(self, name) > getattr(bounds, name):
                exceeded.append(name)
        return exceeded

    def record(self, bounds: DamageBounds) -> dict[str, Any]:
        return {**asdict(self), "exceeds": self.violations(bounds)}


@dataclass(frozen=True)
class Bound:
    """The calibrated strength in one direction (None: no grid strength there is usable)."""

    direction: Direction
    strength: float | None
    effect_delta: float | None
    # The first strength beyond it that did damage, and which bounds it broke (None: the
    # grid ran out first, so the true bound may lie further out).
    stopped_at: float | None
    stopped_by: list[str]

    def record(self) -> dict[str, Any]:
        return asdict(self)


def pick_bound(rows: Sequence[StrengthDamage], bounds: DamageBounds, direction: Direction) -> Bound:
    """Walk outward from 0 in ``direction``; keep the last strength within bounds."""
    sign = 1.0 if direction == "positive" else -1.0
    outward = sorted((r for r in rows if sign * r.strength > 0), key=lambda r: abs(r.strength))
    best: StrengthDamage | None = None
    for row in outward:
        exceeded = row.violations(bounds)
        if exceeded:
            return _bound(direction, best, row.strength, exceeded)
        best = row
    return _bound(direction, best, None, [])


def _bound(
    direction: Direction, best: StrengthDamage | None, stopped: float | None, why: list[str]
) -> Bound:
    if best is None:
        return Bound(direction, None, None, stopped, why)
    return Bound(direction, best.strength, best.effect_delta, stopped, why)
