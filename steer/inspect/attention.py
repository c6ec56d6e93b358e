"""Attention patterns reduced for display and for inspect.json: the token window shown and
per-head summaries of how steering changed the pattern."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ShownTokens:
    """The tokens shown on a heatmap axis: ``[start, end)`` of ``n_tokens``."""

    start: int
    end: int

    @property
    def truncated(self) -> bool:
        return self.start > 0

    def note(self) -> str:
        shown = self.end - self.start
        return f"last {shown} of {self.end} tokens" if self.truncated else f"all {shown} tokens"


def shown_tokens(n_tokens: int, max_tokens: int) -> ShownTokens:
    """The last ``max_tokens`` tokens (the end of the prompt and the reply matter most)."""
    return ShownTokens(max(0, n_tokens - max_tokens), n_tokens)


def crop(pattern: torch.Tensor, window: ShownTokens) -> torch.Tensor:
    """``pattern`` [head, query, key] restricted to the window on both axes."""
    return pattern[:, window.start : window.end, window.start : window.end]


def entropy(pattern: torch.Tensor) -> torch.Tensor:
    """Mean over queries of each head's attention entropy in nats: [head]."""
    logs = torch.where(pattern > 0, pattern.clamp_min(1e-30).log(), torch.zeros_like(pattern))
    return -(pattern * logs).sum(dim=-1).mean(dim=-1)


def attention_summary(baseline: torch.Tensor, steered: torch.Tensor) -> dict[str, list[float]]:
    """Per head: the mean |steered - baseline| over the causal (query >= key) entries and the
    max over all, and both mean entropies."""
    difference = (steered - baseline).abs()
    causal = torch.ones(difference.shape[1:]).tril()
    return {
        "mean_abs_diff": ((difference * causal).sum(dim=(1, 2)) / causal.sum()).tolist(),
        "max_abs_diff": difference.amax(dim=(1, 2)).tolist(),
        "entropy_baseline": entropy(baseline).tolist(),
        "entropy_steered": entropy(steered).tolist(),
    }
