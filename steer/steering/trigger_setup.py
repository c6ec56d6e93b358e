"""From ``steering.trigger`` to a :class:`Trigger`: the monitored vector, where it is read,
and its threshold, given in readout units or as a z-score on neutral text.

A z-score threshold is ``mean + z x std`` of the readout over every token (BOS excluded) of the
shipped neutral dialogues, the texts that also define the ``norm`` strength unit: the mean and
covariance of those activations at the monitoring layer give the readout's mean and standard
deviation exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from steer.activations import TokenWindow, token_moments
from steer.errors import SteerError
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.steering.probe import Probe, make_probe
from steer.steering.trigger import Trigger
from steer.vectors.norms import DEFAULT_REFERENCE_LIMIT, reference_ids
from steer.vectors.vector_set import VectorSet

ThresholdUnit = Literal["readout", "z"]


@dataclass(frozen=True)
class TriggerSpec:
    """``steering.trigger`` as typed values."""

    vector: str | Sequence[str]
    layer: int | None = None  # None: the (first) steering layer
    threshold: float = 0.0
    unit: ThresholdUnit = "readout"
    latch: bool = False

    def __post_init__(self) -> None:
        if not math.isfinite(self.threshold):
            raise SteerError(
                f"steering.trigger.threshold must be a finite number, not {self.threshold}",
                "give a number in readout units or, with threshold_unit=z, a z-score",
            )


def neutral_readout_stats(
    model: LoadedModel, probe: Probe, limit: int | None = DEFAULT_REFERENCE_LIMIT
) -> tuple[float, float, int]:
    """Mean and standard deviation of the probe's readout over the neutral dialogues' tokens,
    and how many tokens that is."""
    texts = reference_ids(model, limit)
    moments = token_moments(
        model, texts, [probe.ref], TokenWindow(start=1), description="neutral readouts"
    )
    token_mean, covariance = moments.covariance()
    unit = probe.direction.double()
    centre = token_mean[0] - (probe.mean.double() if probe.mean is not None else 0.0)
    variance = float(unit @ covariance[0] @ unit)
    return float(centre @ unit), math.sqrt(max(variance, 0.0)), int(moments.count[0])


def make_trigger(
    model: LoadedModel, vectors: VectorSet, spec: TriggerSpec, steered: Sequence[HookRef]
) -> Trigger:
    """The trigger ``spec`` describes, checked to read before every steered hook point."""
    first = min(ref.layer for ref in steered)
    probe = make_probe(vectors, spec.vector, first if spec.layer is None else spec.layer)
    how: dict[str, object] = {"threshold_unit": spec.unit}
    threshold = spec.threshold
    if spec.unit == "z":
        centre, spread, n_tokens = neutral_readout_stats(model, probe)
        threshold = centre + spec.threshold * spread
        how.update(
            z=spec.threshold,
            neutral_mean=round(centre, 6),
            neutral_std=round(spread, 6),
            neutral_tokens=n_tokens,
        )
    trigger = Trigger(probe, float(threshold), spec.latch, how)
    trigger.check_reads_first(steered)
    return trigger
