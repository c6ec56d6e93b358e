"""A readout of one (possibly combined) vector at one hook point: ``(h - neutral mean) . u``.

The same number ``steer read`` and ``readouts=bank`` report for a single emotion (``u`` the
unit vector at that layer, the neutral mean the bank's); for a signed combination such as
``[happy,-sad]`` ``u`` is the unit vector of the combination. Used by readout-triggered
steering (what it monitors) and by ``steer calibrate`` (the effect of a strength).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from steer.errors import SteerError
from steer.hooks import HookRef, resolve_layers
from steer.vectors.vector_set import VectorSet


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


def combined_vector(vectors: VectorSet, terms: Sequence[VectorTerm]) -> torch.Tensor:
    """The signed sum of the named vectors, [n_layers, d_model]."""
    return sum(
        (t.sign * vectors.vector(t.name) for t in terms), torch.zeros_like(vectors.vectors[0])
    )


@dataclass(frozen=True)
class Probe:
    label: str
    ref: HookRef
    direction: torch.Tensor  # unit vector [d_model]
    mean: torch.Tensor | None  # the neutral mean at ref's layer, subtracted first

    def values(self, hidden: torch.Tensor) -> torch.Tensor:
        """Readouts [...] of activations [..., d_model]."""
        centred = hidden.float()
        if self.mean is not None:
            centred = centred - self.mean.to(centred.device)
        return centred @ self.direction.to(centred.device)


def make_probe(vectors: VectorSet, spec: str | Sequence[str], layer: int) -> Probe:
    """The readout of ``spec`` (a name or signed names) at ``layer`` of the vector set."""
    terms = parse_terms(spec)
    index = resolve_layers([layer], vectors.n_layers)[0]
    raw = combined_vector(vectors, terms)[index].float()
    length = raw.norm()
    if length == 0:
        raise SteerError(
            f"vector {terms_label(terms)} is zero at layer {index}, so it reads nothing there",
            "choose other vectors or another layer",
        )
    mean = None if vectors.reference_mean is None else vectors.reference_mean[index].float()
    return Probe(terms_label(terms), HookRef(index, vectors.site), raw / length, mean)
