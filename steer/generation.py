"""Batched generation in which every row carries its own steering strength."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any, Literal

import torch
from transformers import GenerationConfig

from steer.batching import pad_batch
from steer.choices import Engine
from steer.errors import SteerError
from steer.generation_settings import GenerationSettings
from steer.models.loaded import LoadedModel
from steer.steering.intervention import generating_model, steering
from steer.steering.plan import SteeringPlan
from steer.steering.trigger import TriggerState

FinishReason = Literal["eos", "length"]


@dataclass(frozen=True)
class Generated:
    tokens: list[int]
    text: str
    finish_reason: FinishReason
    # With a triggered plan: where the trigger fired (TriggerState.row_record)
    trigger: dict[str, Any] | None = None


def _hf_config(model: LoadedModel, settings: GenerationSettings) -> GenerationConfig:
    options: dict[str, object] = {
        "max_new_tokens": settings.max_new_tokens,
        "do_sample": settings.do_sample,
        "pad_token_id": model.pad_token_id,
        "eos_token_id": model.eos_token_ids,
    }
    if settings.do_sample:
        options.update(temperature=settings.temperature, top_p=settings.top_p, top_k=0)
    return GenerationConfig(**options)


def _cut(model: LoadedModel, new_tokens: list[int]) -> Generated:
    eos = set(model.eos_token_ids)
    for index, token in enumerate(new_tokens):
        if token in eos:
            kept = new_tokens[:index]
            return Generated(kept, model.formatter.decode(kept), "eos")
    return Generated(new_tokens, model.formatter.decode(new_tokens), "length")


def generate_rows(
    model: LoadedModel,
    prompts: Sequence[Sequence[int]],
    strengths: Sequence[float],
    plan: SteeringPlan | None,
    settings: GenerationSettings,
    seed: int,
) -> list[Generated]:
    """Generate one continuation per row; row ``i`` is steered with ``strengths[i]``.

    All rows run as one left-padded batch. With ``plan=None`` nothing is steered.
    """
    if len(prompts) != len(strengths):
        raise ValueError("one strength per prompt row")
    limit = model.context_length
    longest = max((len(p) for p in prompts), default=0)
    if limit is not None and longest + settings.max_new_tokens > limit:
        raise SteerError(
            f"a conversation of {longest:,} tokens with generation.max_new_tokens="
            f"{settings.max_new_tokens} exceeds the model's context of {limit:,} tokens "
            "(later attempts carry the earlier replies and feedback)",
            "lower task.max_attempts or generation.max_new_tokens, or shorten the prompts; "
            "the records written so far are kept",
        )
    input_ids, attention = pad_batch(prompts, model.pad_token_id, "left", model.device)
    width = input_ids.shape[1]
    engine = plan.engine if plan else Engine.hf
    gate = None
    if plan is not None and plan.trigger is not None:
        gate = TriggerState(plan.trigger, [width - len(p) for p in prompts])
    context = (
        steering(
            model,
            plan.directions,
            list(strengths),
            plan.positions,
            prompt_length=width,
            engine=engine,
            gate=gate,
        )
        if plan
        else nullcontext()
    )
    torch.manual_seed(seed)
    generator: Any = generating_model(model, engine)  # `generate` is untyped upstream
    with context, torch.no_grad():
        output = generator.generate(
            input_ids=input_ids,
            attention_mask=attention,
            generation_config=_hf_config(model, settings),
        )
    new_tokens = output[:, width:].tolist()
    replies = [_cut(model, row) for row in new_tokens]
    if gate is None:
        return replies
    return [
        replace(reply, trigger=gate.row_record(row, width, len(reply.tokens)))
        for row, reply in enumerate(replies)
    ]
