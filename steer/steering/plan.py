"""From a steering config to concrete per-layer directions: vector choice, signs and units."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from steer.choices import Engine, Positions, Unit
from steer.errors import SteerError
from steer.hooks import HookRef, refs_for
from steer.steering.intervention import LayerDirection
from steer.steering.probe import combined_vector, parse_terms, terms_label
from steer.steering.trigger import Trigger
from steer.vectors.vector_set import VectorSet


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
    positions: Positions | str,
    unit: Unit | str,
    engine: Engine | str,
) -> SteeringPlan:
    """The plan; ``positions``, ``unit`` and ``engine`` are the config's choices (a string
    from Python code is turned into its member, a bad one raising ValueError)."""
    terms = parse_terms(vector)
    chosen_unit = Unit(unit)
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
        positions=Positions(positions),
        unit=chosen_unit,
        engine=Engine(engine),
    )
