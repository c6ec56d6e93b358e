"""Padding token-id lists into one batch with an attention mask."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch


def pad_batch(
    batch: Sequence[Sequence[int]],
    pad_id: int,
    side: Literal["left", "right"],
    device: torch.device | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids`` and ``attention_mask`` [n, longest]. Generation pads on the left (every
    row ends at the last column); reading activations pads on the right (positions stay put)."""
    width = max(len(ids) for ids in batch)
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(batch), width), dtype=torch.long)
    for row, ids in enumerate(batch):
        span = slice(width - len(ids), width) if side == "left" else slice(0, len(ids))
        input_ids[row, span] = torch.tensor(list(ids), dtype=torch.long)
        attention[row, span] = 1
    if device is not None:
        return input_ids.to(device), attention.to(device)
    return input_ids, attention
