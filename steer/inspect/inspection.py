"""One prompt inspected: the same tokens run twice, unsteered and steered, and both recorded."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from steer.hooks import HookRef
from steer.inspect.capture import Captured, Steered, capture_forward
from steer.inspect.profiles import (
    NORM_SITE,
    SPANS,
    Profile,
    ReadoutSource,
    layer_profile,
    profile_refs,
    reduce_spans,
)
from steer.models.loaded import LoadedModel
from steer.steering.plan import SteeringPlan

CONDITIONS = ("baseline", "steered")


@dataclass(frozen=True)
class Transcript:
    """The tokens both passes read: a prompt (BOS and chat template included) and a reply."""

    prompt_id: str
    prompt_ids: list[int]
    reply_ids: list[int]

    @property
    def token_ids(self) -> list[int]:
        return [*self.prompt_ids, *self.reply_ids]


@dataclass(frozen=True)
class Inspection:
    transcript: Transcript
    profiles: dict[str, Profile]  # by condition
    patterns: dict[str, dict[int, torch.Tensor]]  # by condition, then layer: [head, q, k]
    # by span: [n_layers] |steered - baseline| / |baseline| of the residual stream
    displacement: dict[str, torch.Tensor]


def displacement(
    baseline: Captured, steered: Captured, n_layers: int, prompt_length: int
) -> dict[str, torch.Tensor]:
    """How far steering moved the residual stream at each layer, relative to its norm."""
    per_layer = []
    for layer in range(n_layers):
        ref = HookRef(layer, NORM_SITE)
        before, after = baseline.activations[ref], steered.activations[ref]
        moved = (after - before).norm(dim=-1) / before.norm(dim=-1)
        per_layer.append(reduce_spans(moved, prompt_length))
    return {span: torch.stack([values[span] for values in per_layer]) for span in SPANS}


def inspect_transcript(
    model: LoadedModel,
    transcript: Transcript,
    plan: SteeringPlan,
    strength: float,
    attention_layers: tuple[int, ...],
    source: ReadoutSource,
) -> Inspection:
    refs = profile_refs(model.n_layers, source)
    ids, prompt_length = transcript.token_ids, len(transcript.prompt_ids)
    steered = Steered(plan, strength, prompt_length)
    captures = {
        "baseline": capture_forward(model, ids, refs, attention_layers),
        "steered": capture_forward(model, ids, refs, attention_layers, steered),
    }
    return Inspection(
        transcript,
        profiles={
            condition: layer_profile(c.activations, model.n_layers, source, prompt_length)
            for condition, c in captures.items()
        },
        patterns={condition: c.patterns for condition, c in captures.items()},
        displacement=displacement(
            captures["baseline"], captures["steered"], model.n_layers, prompt_length
        ),
    )
