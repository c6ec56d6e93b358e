"""Per-layer residual-stream norms and emotion readouts of one forward pass.

Each is reduced over two spans, as the run's transcript readouts are: ``prompt_last`` (the
last prompt token, the state the model answers from) and ``reply_mean`` (the mean over the
reply's tokens; NaN when there is no reply). Norms are read at ``resid_post`` of every block;
readouts project the activation at the readout vectors' own site onto each vector of that
layer (minus the vectors' neutral mean when they have one), as ``steer read`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from steer.choices import Site
from steer.hooks import HookRef
from steer.readouts import project
from steer.steering.plan import SteeringPlan
from steer.steering.probe import parse_terms
from steer.transcript_readouts import TranscriptReader
from steer.vectors.vector_set import VectorSet

SPANS = ("prompt_last", "reply_mean")
NORM_SITE = Site.resid_post


@dataclass(frozen=True)
class ReadoutSource:
    """The vectors readouts project onto, and which of them."""

    vectors: VectorSet
    emotions: tuple[str, ...]
    origin: str  # "readouts bank" or "steering vectors"

    def record(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "emotions": list(self.emotions),
            "site": self.vectors.site.value,
            "centred": self.vectors.reference_mean is not None,
        }


def readout_source(
    reader: TranscriptReader | None, vectors: VectorSet, plan: SteeringPlan
) -> ReadoutSource:
    """The readouts bank when the run has one (``readouts=bank``), else the steering vectors
    themselves: the vector(s) named in ``steering.vector``."""
    if reader is not None:
        return ReadoutSource(reader.bank, reader.emotions, "readouts bank")
    names = tuple(dict.fromkeys(term.name for term in parse_terms(plan.label.split(","))))
    return ReadoutSource(vectors, names, "steering vectors")


def profile_refs(n_layers: int, source: ReadoutSource) -> list[HookRef]:
    """Every hook point a profile reads: the norm site and the readout site of every layer."""
    sites = dict.fromkeys([NORM_SITE, source.vectors.site])
    return [HookRef(layer, site) for site in sites for layer in range(n_layers)]


@dataclass(frozen=True)
class Profile:
    """``norms[span]``: [n_layers]; ``readouts[span]``: [n_layers, n_emotions]."""

    norms: dict[str, torch.Tensor]
    readouts: dict[str, torch.Tensor]


def reduce_spans(values: torch.Tensor, prompt_length: int) -> dict[str, torch.Tensor]:
    """``values`` [seq, ...] reduced to each span: the last prompt token, the reply's mean."""
    reply = values[prompt_length:]
    empty = torch.full_like(values[0], float("nan"))
    return {
        "prompt_last": values[prompt_length - 1],
        "reply_mean": reply.mean(dim=0) if len(reply) else empty,
    }


def layer_profile(
    activations: dict[HookRef, torch.Tensor],
    n_layers: int,
    source: ReadoutSource,
    prompt_length: int,
) -> Profile:
    keep = [source.vectors.names.index(e) for e in source.emotions]
    norms: list[dict[str, torch.Tensor]] = []
    readouts: list[dict[str, torch.Tensor]] = []
    for layer in range(n_layers):
        hidden = activations[HookRef(layer, NORM_SITE)]
        norms.append(reduce_spans(hidden.norm(dim=-1), prompt_length))
        read_at = activations[HookRef(layer, source.vectors.site)]
        projected = project(read_at, source.vectors, layer)[:, keep]
        readouts.append(reduce_spans(projected, prompt_length))
    return Profile(
        norms={span: torch.stack([n[span] for n in norms]) for span in SPANS},
        readouts={span: torch.stack([r[span] for r in readouts]) for span in SPANS},
    )


def relative_change(baseline: torch.Tensor, steered: torch.Tensor) -> torch.Tensor:
    """``steered / baseline - 1`` (NaN where the baseline is 0 or missing)."""
    return steered / baseline.where(baseline != 0, torch.nan) - 1


def named(values: torch.Tensor, names: Sequence[str]) -> dict[str, torch.Tensor]:
    """Columns of ``values`` [n_layers, n_names] by name."""
    return {name: values[:, i] for i, name in enumerate(names)}
