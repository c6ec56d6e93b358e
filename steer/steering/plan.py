"""From a steering config to concrete per-layer directions: vector choice, signs and units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from steer.errors import SteerError
from steer.hooks import HookRef, Positions, check_positions, refs_for
from steer.steering.intervention import Engine, LayerDirection
from steer.steering.probe import combined_vector, parse_terms, terms_label
from steer.steering.trigger import Trigger
from steer.vectors.vector_set import VectorSet

Unit = Literal["norm", "raw"]


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
    # Steer only where this readout fires (steering.trigger); None: on every token.
    trigger: Trigger | None = None

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
    combined = combined_vector(vectors, terms)
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
