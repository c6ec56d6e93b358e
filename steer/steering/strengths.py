"""How hard a run may steer: every strength a finite number, and the vector it adds at most
``MAX_RELATIVE_STRENGTH`` times the layer's mean residual-stream norm.

With ``unit=norm`` that is ``|strength| <= 10``; with ``unit=raw`` it is
``|strength| x |vector at the layer| <= 10 x the layer's mean residual norm``. The paper's
strengths are fractions of the norm (0.05 to 0.5); SmolLM2's replies degenerate from about 0.15
on, so anything past the limit only produces noise, and a huge strength (``1e300``) overflows
the residual stream to infinities and empty replies without any error. A NaN or infinite
strength would do the same (and 0 x NaN is NaN, so the baseline too).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import torch

from steer.errors import SteerError
from steer.steering.plan import SteeringPlan

MAX_RELATIVE_STRENGTH = 10.0


def finite_strengths(strengths: Iterable[float], where: str = "steering.strengths") -> list[float]:
    """The strengths as floats; a SteerError for one that is NaN or infinite."""
    values = [float(s) for s in strengths]
    for value in values:
        if not math.isfinite(value):
            raise SteerError(
                f"{where} holds {value!r}, which is not a finite number",
                f"give finite strengths, e.g. {where}=[-0.1,0,0.1]",
            )
    return values


def with_baseline(strengths: Sequence[float]) -> list[float]:
    """The strengths to run, in order, always including 0 (the paired baseline)."""
    return sorted(set(finite_strengths(strengths)) | {0.0})


def check_scale(
    plan: SteeringPlan,
    layer_norms: torch.Tensor,
    strengths: Iterable[float],
    where: str = "steering.strengths",
) -> None:
    """Refuse a strength whose added vector exceeds ``MAX_RELATIVE_STRENGTH`` times the mean
    residual norm of its layer."""
    values = finite_strengths(strengths, where)
    extreme = max(values, key=abs, default=0.0)  # keeps its sign for the message
    largest = abs(extreme)
    if largest == 0.0:
        return
    for direction in plan.directions:
        layer = direction.ref.layer
        scale = float(layer_norms[layer])
        length = float(direction.direction.float().norm())
        relative = largest * length / scale
        if not math.isfinite(relative) or relative > MAX_RELATIVE_STRENGTH:
            allowed = MAX_RELATIVE_STRENGTH * scale / length
            raise SteerError(
                f"{where} holds {extreme:g}, which adds {relative:.3g} times the mean residual "
                f"norm of layer {layer}; more than {MAX_RELATIVE_STRENGTH:g} times only gives "
                "noise or empty replies",
                f"choose |strength| <= {allowed:.3g} (unit={plan.unit}); the paper steers with "
                "0.05 to 0.5 of the norm",
            )
