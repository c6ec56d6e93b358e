"""Scoring a reply with the unsteered model: its perplexity and the steered vector's readout.

One forward pass per (prompt, reply) pair, batched and right-padded (pads come after every real
token, so under the causal mask they change nothing): the logits give each reply token's
negative log-likelihood given the prompt and the reply so far, and the residual stream at the
probe's hook point gives the readout averaged over the reply's tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from steer.activations import capturing
from steer.batching import pad_batch
from steer.models.loaded import LoadedModel
from steer.steering.probe import Probe


@dataclass(frozen=True)
class ReplyScore:
    perplexity: float | None  # exp(mean NLL of the reply tokens); None for an empty reply
    readout: float | None  # mean readout over the reply tokens; None for an empty reply


def score_replies(
    model: LoadedModel,
    pairs: Sequence[tuple[Sequence[int], Sequence[int]]],
    probe: Probe,
    batch_size: int = 8,
) -> list[ReplyScore]:
    """One score per (prompt ids, reply ids) pair, in order."""
    scores: list[ReplyScore] = []
    with capturing(model, [probe.ref]) as captured, torch.no_grad():
        for start in range(0, len(pairs), batch_size):
            chunk = pairs[start : start + batch_size]
            joined = [[*prompt, *reply] for prompt, reply in chunk]
            input_ids, attention = pad_batch(joined, model.pad_token_id, "right", model.device)
            logits = model.hf(input_ids=input_ids, attention_mask=attention).logits.float()
            log_probs = torch.log_softmax(logits, dim=-1)
            readouts = probe.values(captured[probe.ref])
            for row, (prompt, reply) in enumerate(chunk):
                scores.append(_score(log_probs[row], readouts[row], len(prompt), list(reply)))
    return scores


def _score(
    log_probs: torch.Tensor, readouts: torch.Tensor, prompt_length: int, reply: list[int]
) -> ReplyScore:
    if not reply:
        return ReplyScore(None, None)
    # token j of the reply sits at position P + j and is predicted at position P + j - 1
    predicted = log_probs[prompt_length - 1 : prompt_length - 1 + len(reply)]
    targets = torch.tensor(reply, device=predicted.device).view(-1, 1)
    nll = -predicted.gather(1, targets).mean()
    reply_readout = readouts[prompt_length : prompt_length + len(reply)].mean()
    return ReplyScore(math.exp(float(nll)), float(reply_readout))
