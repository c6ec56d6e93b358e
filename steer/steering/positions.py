"""Which absolute token positions a forward pass covers, also under the KV cache.

During cached generation the first forward (prefill) covers the whole prompt and every later
one (a decode step) covers one new token. A forward pre-hook on the decoder reads how many
tokens the cache already holds, so hooks further down know the absolute positions they see.

A forward that starts at position 0 must cover the whole prompt. One that is shorter can only
be a decode step whose cache the tracker did not see (a library renamed the keyword, say):
steering it by the rule for position 0 would silently steer the wrong tokens, so it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from steer.choices import Positions
from steer.errors import SteerError
from steer.internals import cached_length, find_kv_cache, library_versions


class PositionTracker:
    def __init__(self) -> None:
        self.start = 0

    def _before_forward(
        self, _module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        cache = find_kv_cache(args, kwargs)
        self.start = cached_length(cache) if cache is not None else 0

    @contextmanager
    def attached(self, decoder: nn.Module) -> Iterator[PositionTracker]:
        handle = decoder.register_forward_pre_hook(self._before_forward, with_kwargs=True)
        try:
            yield self
        finally:
            handle.remove()

    def mask(self, positions: Positions, prompt_length: int, seq_len: int) -> torch.Tensor | None:
        """A [seq_len] float mask of the positions to steer, or None for all of them."""
        if positions == "all":
            return None
        if self.start == 0 and seq_len < prompt_length:
            raise SteerError(
                f"steering.positions={positions}: a forward pass of {seq_len} token(s) with no "
                f"KV cache visible, shorter than the {prompt_length}-token prompt, so where it "
                f"sits cannot be told ({library_versions()})",
                "install the locked versions with `make setup`, or use steering.positions=all",
            )
        absolute = torch.arange(self.start, self.start + seq_len)
        in_prompt = absolute < prompt_length
        chosen = in_prompt if positions == "prompt" else ~in_prompt
        return chosen.float()
