"""Reading the residual stream: per-text token means at every layer, with masked batching."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from steer.batching import pad_batch
from steer.hooks import (
    HookRef,
    Side,
    attach,
    check_hook_names,
    decoder,
    decoder_layers,
    has_plain_module,
    plain_module,
)
from steer.models.loaded import LoadedModel


def _uses_bridge(refs: Sequence[HookRef]) -> bool:
    return not all(has_plain_module(ref.site) for ref in refs)


def _reading_module(model: LoadedModel, ref: HookRef, bridge: bool) -> tuple[nn.Module, Side]:
    if bridge:
        check_hook_names(model.bridge.hook_dict, [ref])
        return model.bridge.hook_dict[ref.name], "output"
    return plain_module(model.hf, ref)


@contextmanager
def capturing(model: LoadedModel, refs: Sequence[HookRef]) -> Iterator[dict[HookRef, torch.Tensor]]:
    """Record the activation at each hook point during the block (after any steering).

    Residual sites are read on the plain model; other sites on the bridge's hook points, so
    run the forward pass with :func:`run_decoder`, which picks the matching model.
    """
    captured: dict[HookRef, torch.Tensor] = {}
    bridge = _uses_bridge(refs)
    handles = []
    try:
        for ref in refs:
            module, side = _reading_module(model, ref, bridge)

            def record(hidden: torch.Tensor, _ref: HookRef = ref) -> None:
                captured[_ref] = hidden.detach()

            handles.append(attach(module, side, record))
        yield captured
    finally:
        for handle in handles:
            handle.remove()


class _EnoughLayers(Exception):
    """Raised by the hook after the deepest layer a reading needs: the rest would be wasted."""


def run_decoder(
    model: LoadedModel,
    refs: Sequence[HookRef],
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None = None,
) -> None:
    """One forward pass of the decoder alone, through the bridge when a hook point needs it.

    Reading needs no logits (the LM head is ~20% of SmolLM2's compute), and on the plain model
    no layer past the deepest one read: the pass stops there (reading layer 16 of 24 costs
    two thirds of a forward pass).
    """
    bridge = _uses_bridge(refs)
    source = model.bridged_hf if bridge else model.hf
    kwargs = {
        "input_ids": input_ids.to(model.device),
        "attention_mask": None if attention_mask is None else attention_mask.to(model.device),
    }
    if bridge:
        decoder(source)(**kwargs)
        return

    def stop(*_args: object) -> None:
        raise _EnoughLayers

    deepest = decoder_layers(source)[max(ref.layer for ref in refs)]
    handle = deepest.register_forward_hook(stop)  # after the capturing hooks, which came first
    try:
        decoder(source)(**kwargs)
    except _EnoughLayers:
        pass
    finally:
        handle.remove()


SHORT_TEXT_RULE = (
    "tokens from start_token on; a text with no token there uses its second half; BOS is skipped"
)


@dataclass(frozen=True)
class TokenWindow:
    """Which tokens of a text are averaged.

    Tokens from index ``start`` on (the paper uses 50). A text with no token at or after
    ``start`` falls back to its second half, so short texts still count. Index 0 (the BOS
    that :meth:`PromptFormatter.text_ids` puts first) is skipped whenever the text has more
    than one token.
    """

    start: int = 1

    def span(self, length: int) -> tuple[int, int]:
        first = self.start if length > self.start else max(1, length // 2)
        return min(first, length - 1), length


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
    starts = range(0, len(order), batch_size)
    with capturing(model, refs) as captured, torch.no_grad():
        for start in tqdm(starts, desc=description, unit="batch", disable=None, leave=False):
            rows = order[start : start + batch_size]
            batch = [texts_ids[i] for i in rows]
            run_decoder(model, refs, *pad_batch(batch, model.pad_token_id, "right"))
            for k, ref in enumerate(refs):
                hidden = captured[ref].float().cpu()
                for j, text_index in enumerate(rows):
                    first, end = window.span(len(texts_ids[text_index]))
                    tokens = hidden[j, first:end]
                    means[text_index, k] = tokens.mean(dim=0)
                    norms[text_index, k] = tokens.norm(dim=-1).mean()
    return TextActivations(means=means, norms=norms)


@dataclass
class TokenMoments:
    """Running first and second moments of token activations at each hook point (float64)."""

    count: torch.Tensor  # [n_refs]
    total: torch.Tensor  # [n_refs, d]
    outer: torch.Tensor  # [n_refs, d, d]

    def covariance(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Per hook point: the mean [n_refs, d] and the covariance [n_refs, d, d]."""
        n = self.count.view(-1, 1)
        mean = self.total / n
        cov = self.outer / n.view(-1, 1, 1) - mean.unsqueeze(2) * mean.unsqueeze(1)
        return mean, cov


def token_moments(
    model: LoadedModel,
    texts_ids: Sequence[Sequence[int]],
    refs: Sequence[HookRef],
    window: TokenWindow,
    batch_size: int = 8,
    description: str = "reading token statistics",
) -> TokenMoments:
    """Mean and covariance of every token's activation in each text's window."""
    d = model.d_model
    moments = TokenMoments(
        count=torch.zeros(len(refs), dtype=torch.float64),
        total=torch.zeros(len(refs), d, dtype=torch.float64),
        outer=torch.zeros(len(refs), d, d, dtype=torch.float64),
    )
    starts = range(0, len(texts_ids), batch_size)
    with capturing(model, refs) as captured, torch.no_grad():
        for start in tqdm(starts, desc=description, unit="batch", disable=None, leave=False):
            batch = list(texts_ids[start : start + batch_size])
            run_decoder(model, refs, *pad_batch(batch, model.pad_token_id, "right"))
            for k, ref in enumerate(refs):
                hidden = captured[ref].double().cpu()
                rows = [hidden[j, slice(*window.span(len(ids)))] for j, ids in enumerate(batch)]
                tokens = torch.cat(rows)
                moments.count[k] += tokens.shape[0]
                moments.total[k] += tokens.sum(0)
                moments.outer[k] += tokens.T @ tokens
    return moments
