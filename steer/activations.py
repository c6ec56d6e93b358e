"""Reading the residual stream: per-text token means at every layer, with masked batching."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from steer.hooks import HookRef, output_tensor, plain_module
from steer.models.loaded import LoadedModel


@contextmanager
def capturing(model: LoadedModel, refs: Sequence[HookRef]) -> Iterator[dict[HookRef, torch.Tensor]]:
    """Record the activation at each hook point of the plain model during the block."""
    captured: dict[HookRef, torch.Tensor] = {}
    handles = []
    try:
        for ref in refs:
            module, side = plain_module(model.hf, ref)
            if side == "output":

                def on_output(_m: nn.Module, _a: Any, out: Any, _ref: HookRef = ref) -> None:
                    captured[_ref] = output_tensor(out).detach()

                handles.append(module.register_forward_hook(on_output))
            else:

                def on_input(
                    _m: nn.Module,
                    args: tuple[Any, ...],
                    kwargs: dict[str, Any],
                    _ref: HookRef = ref,
                ) -> None:
                    hidden = args[0] if args else kwargs["hidden_states"]
                    captured[_ref] = hidden.detach()

                handles.append(module.register_forward_pre_hook(on_input, with_kwargs=True))
        yield captured
    finally:
        for handle in handles:
            handle.remove()


@dataclass(frozen=True)
class TokenWindow:
    """Which tokens of a text are averaged.

    Tokens from index ``start`` on (the paper uses 50). A text with no token at or after
    ``start`` falls back to its second half, so short texts still count; index 0 (BOS) is
    always skipped.
    """

    start: int = 1

    def span(self, length: int) -> tuple[int, int]:
        first = self.start if length > self.start else max(1, length // 2)
        return min(first, length - 1), length


def right_padded(batch: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = torch.tensor(list(ids), dtype=torch.long)
        attention[row, : len(ids)] = 1
    return input_ids, attention


@dataclass
class TextActivations:
    """Per-text statistics at every hook point: ``means`` [n_texts, n_refs, d_model] and the
    mean token norm ``norms`` [n_texts, n_refs]."""

    means: torch.Tensor
    norms: torch.Tensor


def text_activations(
    model: LoadedModel,
    texts_ids: Sequence[Sequence[int]],
    refs: Sequence[HookRef],
    window: TokenWindow,
    batch_size: int = 8,
    description: str = "reading activations",
) -> TextActivations:
    """Mean activation over each text's token window, one masked batch at a time.

    Texts are sorted by length so batches waste little padding; results are in input order.
    """
    order = sorted(range(len(texts_ids)), key=lambda i: len(texts_ids[i]))
    means = torch.zeros(len(texts_ids), len(refs), model.d_model)
    norms = torch.zeros(len(texts_ids), len(refs))
    device = model.device
    starts = range(0, len(order), batch_size)
    with capturing(model, refs) as captured, torch.no_grad():
        for start in tqdm(starts, desc=description, unit="batch", disable=None, leave=False):
            rows = order[start : start + batch_size]
            input_ids, attention = right_padded([texts_ids[i] for i in rows], model.pad_token_id)
            # The decoder alone: reading activations needs no logits (the LM head is ~20% of
            # SmolLM2's compute).
            model.hf.get_decoder()(
                input_ids=input_ids.to(device), attention_mask=attention.to(device)
            )
            for k, ref in enumerate(refs):
                hidden = captured[ref].float().cpu()
                for j, text_index in enumerate(rows):
                    first, end = window.span(len(texts_ids[text_index]))
                    tokens = hidden[j, first:end]
                    means[text_index, k] = tokens.mean(dim=0)
                    norms[text_index, k] = tokens.norm(dim=-1).mean()
    return TextActivations(means=means, norms=norms)
