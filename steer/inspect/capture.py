"""One forward pass through the bridge, recording residual activations and attention patterns.

The pattern is the model's own softmax output at ``blocks.L.attn.hook_pattern``. The steered
pass is the same forward with the steering plan applied through the bridge's hook points (the
``bridge`` engine; on residual sites it adds exactly what the ``hf`` engine adds), so every
hook sees the steered activations and both passes read the same tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import torch

from steer.choices import Engine
from steer.errors import SteerError
from steer.hooks import HookRef, PatternRef, check_hook_names, check_pattern_names, decoder
from steer.models.loaded import LoadedModel
from steer.steering.intervention import steering
from steer.steering.plan import SteeringPlan


@dataclass(frozen=True)
class Steered:
    """Steering applied to an inspection pass: ``strength`` x the plan's directions."""

    plan: SteeringPlan
    strength: float
    prompt_length: int  # tokens before the reply (``positions=prompt``/``generated`` need it)


@dataclass(frozen=True)
class Captured:
    """``activations[ref]``: [seq, d_model]; ``patterns[layer]``: [head, query, key] (float32)."""

    activations: dict[HookRef, torch.Tensor]
    patterns: dict[int, torch.Tensor]


def attention_heads(model: LoadedModel) -> int:
    """Query heads per layer."""
    return int(model.hf.config.num_attention_heads)


def _keep(store: dict[Any, torch.Tensor], key: object) -> Callable[[torch.Tensor, Any], None]:
    def hook(activation: torch.Tensor, hook: Any) -> None:
        store[key] = activation.detach()[0].float().cpu()

    return hook


def _steering(model: LoadedModel, steered: Steered | None) -> AbstractContextManager[None]:
    if steered is None:
        return nullcontext()
    plan = steered.plan
    return steering(
        model,
        plan.directions,
        steered.strength,
        plan.positions,
        prompt_length=steered.prompt_length,
        engine=Engine.bridge,
    )


def capture_forward(
    model: LoadedModel,
    token_ids: Sequence[int],
    refs: Sequence[HookRef],
    pattern_layers: Sequence[int],
    steered: Steered | None = None,
) -> Captured:
    """Run ``token_ids`` (BOS included, as the formatter builds them) once and record."""
    pattern_refs = [PatternRef(layer) for layer in pattern_layers]
    check_pattern_names(model.bridge.hook_dict, pattern_refs)
    check_hook_names(model.bridge.hook_dict, refs)
    activations: dict[HookRef, torch.Tensor] = {}
    patterns: dict[int, torch.Tensor] = {}
    hooks = [(ref.name, _keep(activations, ref)) for ref in refs]
    hooks += [(ref.name, _keep(patterns, ref.layer)) for ref in pattern_refs]
    input_ids = torch.tensor([list(token_ids)], device=model.device)
    # Steering hooks are added first, so the recording hooks on the same points see the result.
    with _steering(model, steered), model.bridge.hooks(fwd_hooks=hooks), torch.no_grad():
        decoder(model.bridged_hf)(input_ids=input_ids, use_cache=False)
    silent = [r.name for r in pattern_refs if r.layer not in patterns]
    silent += [r.name for r in refs if r not in activations]
    if silent:
        raise SteerError(
            f"hook point(s) {', '.join(silent)} never fire during a forward pass",
            "choose other inspect.layers, or a model whose attention exposes its pattern",
        )
    return Captured(activations, patterns)
