"""From a steering config to concrete per-layer directions: vector choice, signs and units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch

from steer.errors import SteerError
from steer.hooks import HookRef, Positions, check_positions, refs_for
from steer.steering.intervention import Engine, LayerDirection
from steer.vectors.vector_set import VectorSet

Unit = Literal["norm", "raw"]


@dataclass(frozen=True)
class VectorTerm:
    name: str
    sign: float


def parse_terms(spec: str | Sequence[str]) -> list[VectorTerm]:
    """``"desperate"`` or ``["desperate", "-calm"]``: names with an optional ``+``/``-`` sign."""
    items = [spec] if isinstance(spec, str) else list(spec)
    terms = []
    for raw in items:
        item = str(raw).strip()
        sign = -1.0 if item.startswith("-") else 1.0
        name = item.lstrip("+-").strip()
        if not name:
            raise SteerError(f"empty vector name in {spec!r}", "write e.g. [desperate,-calm]")
        terms.append(VectorTerm(name, sign))
    if not terms:
        raise SteerError("no steering vector chosen", "set steering.vector=NAME")
    return terms


def terms_label(terms: Sequence[VectorTerm]) -> str:
    return ",".join(("-" if t.sign < 0 else "") + t.name for t in terms)


def check_unit(value: str) -> Unit:
    if value == "norm":
        return "norm"
    if value == "raw":
        return "raw"
    raise SteerError(f"unknown steering.unit {value!r}", "use steering.unit=norm or raw")


@dataclass(frozen=True)
class SteeringPlan:
    """Which vector, where, and in which unit; ``directions`` is what strength 1.0 adds."""

    label: str
    refs: tuple[HookRef, ...]
    directions: tuple[LayerDirection, ...]
    positions: Positions
    unit: Unit
    engine: Engine

    @property
    def layers(self) -> list[int]:
        return [ref.layer for ref in self.refs]


def make_plan(
    vectors: VectorSet,
    vector: str | Sequence[str],
    layers: Sequence[int] | None,
    positions: str,
    unit: str,
    engine: Engine,
) -> SteeringPlan:
    terms = parse_terms(vector)
    chosen_unit = check_unit(unit)
    combined = sum(
        (t.sign * vectors.vector(t.name) for t in terms), torch.zeros_like(vectors.vectors[0])
    )
    chosen_layers = [vectors.default_layer] if layers is None else list(layers)
    refs = tuple(refs_for(chosen_layers, vectors.site, vectors.n_layers))
    directions = []
    for ref in refs:
        raw = combined[ref.layer]
        if chosen_unit == "norm":
            length = raw.norm()
            if length == 0:
                raise SteerError(
                    f"vector {terms_label(terms)} is zero at layer {ref.layer}",
                    "choose other vectors or layers (opposite signs of one vector cancel)",
                )
            direction = raw / length * vectors.layer_norms[ref.layer]
        else:
            direction = raw
        directions.append(LayerDirection(ref, direction))
    return SteeringPlan(
        label=terms_label(terms),
        refs=refs,
        directions=tuple(directions),
        positions=check_positions(positions),
        unit=chosen_unit,
        engine=engine,
    )
