"""``calibration.json``: what ``steer calibrate`` measured and the bounds it chose.

Strict JSON (no NaN or infinity: a missing value is null), written atomically. One entry per
calibrated vector and layers, each with its per-strength effect and damage, and its bound in
each direction. ``steering.strengths=calibrated`` reads it back (:mod:`steer.calibration.use`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from steer.calibration.damage import DIRECTIONS, Bound, DamageBounds, StrengthDamage

CALIBRATION = "calibration.json"
FORMAT = "steer calibration"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Entry:
    """One vector at one set of layers."""

    vector: str
    layers: list[int]
    readout_layer: int
    damage: list[StrengthDamage]
    bounds: dict[str, Bound]

    def record(self, limits: DamageBounds) -> dict[str, Any]:
        return {
            "vector": self.vector,
            "layers": self.layers,
            "readout_layer": self.readout_layer,
            "bound": {d: self.bounds[d].strength for d in DIRECTIONS},
            "effect_at_bound": {d: self.bounds[d].effect_delta for d in DIRECTIONS},
            "bounds_detail": {d: self.bounds[d].record() for d in DIRECTIONS},
            "by_strength": [row.record(limits) for row in self.damage],
        }


def calibration_document(
    entries: Sequence[Entry],
    limits: DamageBounds,
    identity: dict[str, Any],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The whole file: format, what it was measured on (``identity``: model, weights, vectors
    and their digest, unit, site), the settings, the damage bounds, and the entries."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **identity,
        "settings": settings,
        "damage_bounds": asdict(limits),
        "entries": [entry.record(limits) for entry in entries],
    }
