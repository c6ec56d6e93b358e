"""The steering context manager: adds ``strength x direction`` at chosen hook points.

Two engines place the same hook function:

- ``hf`` (default): plain torch hooks on the weight-sharing Hugging Face view. Fast.
- ``bridge``: TransformerLens hook points through ``bridge.hooks(fwd_hooks=...)``; works for
  every hook point the bridge names (``attn_out``, ``resid_mid``, ...).

Either way every hook is removed in ``finally``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedModel

from steer.choices import Engine, Positions
from steer.errors import SteerError
from steer.hooks import (
    HookRef,
    attach,
    check_hook_names,
    decoder,
    plain_module,
    record_firing,
    refuse_silent,
)
from steer.models.loaded import LoadedModel
from steer.steering.positions import PositionTracker
from steer.steering.trigger import TriggerState


@dataclass(frozen=True)
class LayerDirection:
    """What one unit of strength adds at one hook point: a [d_model] vector."""

    ref: HookRef
    direction: torch.Tensor


def generating_model(model: LoadedModel, engine: Engine) -> PreTrainedModel:
    """The Hugging Face model whose ``generate``/forward fires this engine's hooks."""
    if engine is Engine.hf:
        return model.hf
    model.check_bridge_generation()
    return model.bridged_hf


def _strength_tensor(strengths: float | Sequence[float], device: torch.device) -> torch.Tensor:
    if isinstance(strengths, float | int):
        return torch.tensor([float(strengths)], device=device)
    return torch.tensor([float(s) for s in strengths], device=device)


def _make_delta_fn(
    direction: torch.Tensor,
    strengths: torch.Tensor,
    positions: Positions,
    prompt_length: int,
    tracker: PositionTracker,
    gate: TriggerState | None = None,
) -> Callable[[torch.Tensor], torch.Tensor]:
    def add(hidden: torch.Tensor) -> torch.Tensor:
        batch, seq_len = hidden.shape[0], hidden.shape[1]
        if strengths.shape[0] not in (1, batch):
            raise SteerError(
                f"{strengths.shape[0]} per-row strengths for a batch of {batch}",
                "give one strength per row",
            )
        scale = strengths.to(hidden.dtype).view(-1, 1, 1)
        delta = scale * direction.to(hidden.dtype).view(1, 1, -1)
        mask = tracker.mask(positions, prompt_length, seq_len)
        if mask is not None:
            delta = delta * mask.to(hidden.device, hidden.dtype).view(1, -1, 1)
        if gate is not None:
            fired = gate.mask(batch, seq_len)
            delta = delta * fired.to(hidden.device, hidden.dtype).unsqueeze(-1)
        return hidden + delta

    return add


def check_refs_fire(model: LoadedModel, refs: Sequence[HookRef], engine: Engine) -> None:
    """Refuse, before any generation, hook points that do not exist or never fire."""
    if engine is Engine.bridge:
        check_hook_names(model.bridge.hook_dict, refs)
        modules = {ref: model.bridge.hook_dict[ref.name] for ref in refs}
    else:
        modules = {ref: plain_module(model.hf, ref)[0] for ref in refs}
    probe = torch.tensor([model.formatter.text_ids("Hello")], device=model.device)
    with record_firing(modules) as fired, torch.no_grad():
        generating_model(model, engine)(input_ids=probe)
    refuse_silent(refs, fired)


@contextmanager
def steering(
    model: LoadedModel,
    directions: Sequence[LayerDirection],
    strengths: float | Sequence[float],
    positions: Positions = Positions.all,
    prompt_length: int = 0,
    engine: Engine = Engine.hf,
    gate: TriggerState | None = None,
) -> Iterator[None]:
    """Add ``strength x direction`` at each hook point while the block runs.

    ``strengths`` is one value or one per batch row (so a baseline row at 0 and steered rows can
    share one batch). ``prompt_length`` is the (padded) prompt length, needed for
    ``positions="prompt"`` or ``"generated"``. With a ``gate`` the vector is added only where
    its trigger fired; the trigger reads its hook point before any steering hook runs.
    """
    if positions != "all" and prompt_length <= 0:
        raise ValueError(f"positions={positions!r} needs the prompt length")
    strength_tensor = _strength_tensor(strengths, model.device)
    tracker = PositionTracker()
    target = generating_model(model, engine)
    if gate is not None:
        gate.trigger.check_reads_first([d.ref for d in directions])
    with ExitStack() as stack:
        stack.enter_context(tracker.attached(decoder(target)))
        fwd_hooks = []
        for layer_direction in directions:
            add = _make_delta_fn(
                layer_direction.direction.to(model.device),
                strength_tensor,
                positions,
                prompt_length,
                tracker,
                gate,
            )
            if engine is Engine.bridge:
                fwd_hooks.append((layer_direction.ref.name, _bridge_hook(add)))
                continue
            module, side = plain_module(model.hf, layer_direction.ref)
            # prepend: the steering runs before any reading hook, so readers see the result.
            stack.callback(attach(module, side, add, prepend=True).remove)
        if gate is not None:
            _attach_monitor(model, engine, gate, tracker, stack, fwd_hooks)
        if fwd_hooks:
            monitored = [gate.trigger.ref] if gate is not None else []
            check_hook_names(model.bridge.hook_dict, [*monitored, *(d.ref for d in directions)])
            stack.enter_context(model.bridge.hooks(fwd_hooks=fwd_hooks))
        yield


def _attach_monitor(
    model: LoadedModel,
    engine: Engine,
    gate: TriggerState,
    tracker: PositionTracker,
    stack: ExitStack,
    fwd_hooks: list[tuple[str, Callable[[torch.Tensor, Any], torch.Tensor]]],
) -> None:
    """The trigger's reading hook, placed to run before every steering hook."""

    def observe(hidden: torch.Tensor) -> None:
        gate.observe(hidden, tracker.start)

    ref = gate.trigger.ref
    if engine is Engine.bridge:
        # TransformerLens runs a hook point's hooks in the order they were added.
        fwd_hooks.insert(0, (ref.name, _bridge_reader(observe)))
        return
    module, side = plain_module(model.hf, ref)
    # prepend, after the steering hooks were prepended: it runs first at a shared module.
    stack.callback(attach(module, side, observe, prepend=True).remove)


def _bridge_reader(
    read: Callable[[torch.Tensor], None],
) -> Callable[[torch.Tensor, Any], torch.Tensor]:
    def hook(activation: torch.Tensor, hook: Any) -> torch.Tensor:
        read(activation)
        return activation

    return hook


def _bridge_hook(
    add: Callable[[torch.Tensor], torch.Tensor],
) -> Callable[[torch.Tensor, Any], torch.Tensor]:
    def hook(activation: torch.Tensor, hook: Any) -> torch.Tensor:
        return add(activation)

    return hook
