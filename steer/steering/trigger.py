"""Readout-triggered steering: the vector is added only on the tokens where a monitored
emotion readout exceeds a threshold.

The monitor reads the residual stream at its hook point in the same forward pass that steers,
and its hook point comes no later in the forward pass than every steered point (at the same
hook point it reads first), so each decision is made from activations no steering has touched
yet: no second pass. Under the KV cache the prefill decides for every prompt position at once
and each decode step for its one new token; an uncached pass over the same tokens decides the
same (tested). Every row of a batch decides for itself. Left padding never fires.

The readout is the one ``steer read`` and ``readouts=bank`` report: ``(h - neutral mean) . u``
with ``u`` the unit vector. With ``latch`` a row that fired stays steered for the rest of the
generation.

Reply token ``j`` is produced by the forward pass at position ``P - 1 + j`` (``P``: the padded
prompt length), so a generation's record says on which reply tokens' positions it fired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from steer.errors import SteerError
from steer.hooks import HookRef, comes_no_later
from steer.steering.probe import Probe

READOUT_DECIMALS = 4


@dataclass(frozen=True)
class Trigger:
    """Fire where the probe's readout exceeds ``threshold``."""

    probe: Probe
    threshold: float  # readout units
    latch: bool = False
    # How the threshold was set: {"threshold_unit": "readout"} or z with the neutral statistics
    how: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> HookRef:
        return self.probe.ref

    def check_reads_first(self, steered: Sequence[HookRef]) -> None:
        """Refuse a monitor that would read activations a steering hook already changed."""
        late = [ref.name for ref in steered if not comes_no_later(self.ref, ref)]
        if late:
            raise SteerError(
                f"the trigger reads {self.ref.name}, after the steered point(s) {', '.join(late)}"
                ", so it would read steered activations",
                "set steering.trigger.layer to the steering layer or an earlier one",
            )

    def record(self) -> dict[str, Any]:
        return {
            "vector": self.probe.label,
            "hook": self.ref.name,
            "threshold": round(self.threshold, 6),
            "latch": self.latch,
            **self.how,
        }


class TriggerState:
    """The decisions of one generation: written by the monitor hook, read by the steering
    hooks of the same forward pass, and kept per absolute position for the record."""

    def __init__(self, trigger: Trigger, pad_lengths: Sequence[int]) -> None:
        self.trigger = trigger
        self.pads = torch.tensor([int(p) for p in pad_lengths])
        self.current: torch.Tensor | None = None  # [batch, seq] bool, this forward pass
        self._next = 0  # the absolute position the next forward pass should start at
        self._fired: list[torch.Tensor] = []
        self._values: list[torch.Tensor] = []

    def observe(self, hidden: torch.Tensor, start: int) -> None:
        """Decide for every position of a forward pass covering ``start, start + seq``."""
        batch, seq = hidden.shape[0], hidden.shape[1]
        if batch != self.pads.shape[0]:
            raise SteerError(
                f"the trigger was set up for {self.pads.shape[0]} rows, the batch has {batch}",
                "give one pad length per row",
            )
        if start == 0:  # a new sequence: forget the last one
            self._fired, self._values, self._next = [], [], 0
        if start != self._next:
            raise SteerError(
                f"a forward pass starts at position {start}, the trigger expected {self._next}",
                "generate with the KV cache, or from position 0",
            )
        values = self.trigger.probe.values(hidden.detach())
        positions = torch.arange(start, start + seq, device=values.device).view(1, -1)
        real = positions >= self.pads.to(values.device).view(-1, 1)
        fired = (values > self.trigger.threshold) & real
        if self.trigger.latch:
            before = (
                self._fired[-1][:, -1:] if self._fired else torch.zeros(batch, 1, dtype=torch.bool)
            )
            fired = torch.cummax((fired | before.to(fired.device)).int(), dim=1).values.bool()
        self.current = fired
        self._fired.append(fired.cpu())
        self._values.append(values.cpu())
        self._next = start + seq

    def mask(self, batch: int, seq: int) -> torch.Tensor:
        """This forward pass's decisions, [batch, seq] bool; refuses a pass it did not read."""
        current = self.current
        if current is None or tuple(current.shape) != (batch, seq):
            raise SteerError(
                "a steering hook ran before the trigger read its forward pass",
                "put the trigger's layer at or before the steering layer",
            )
        return current

    def fired(self) -> torch.Tensor:
        """[batch, positions] decisions over every position seen so far."""
        return torch.cat(self._fired, dim=1) if self._fired else torch.zeros(0, 0, dtype=torch.bool)

    def values(self) -> torch.Tensor:
        return torch.cat(self._values, dim=1) if self._values else torch.zeros(0, 0)

    def row_record(self, row: int, prompt_length: int, n_reply: int) -> dict[str, Any]:
        """Where row ``row`` fired: prompt positions, and the reply tokens (index ``j``) whose
        producing position ``prompt_length - 1 + j`` fired, with the readout there."""
        fired, values = self.fired(), self.values()
        first = prompt_length - 1
        seen = max(0, min(n_reply, fired.shape[1] - first))
        reply_fired = fired[row, first : first + seen]
        pad = int(self.pads[row])
        return {
            **self.trigger.record(),
            "prompt_tokens": prompt_length - pad,
            "prompt_fired": int(fired[row, pad:prompt_length].sum()),
            "reply_tokens": n_reply,
            "fired": [int(j) for j in torch.nonzero(reply_fired).flatten()],
            "readout": [
                round(float(v), READOUT_DECIMALS) for v in values[row, first : first + seen]
            ],
        }


def fired_fraction(records: Sequence[dict[str, Any]]) -> float | None:
    """The share of reply tokens produced at a position where the trigger fired, pooled over
    the records (e.g. every attempt of an episode); None when there was no reply token."""
    tokens = sum(int(r["reply_tokens"]) for r in records)
    if tokens == 0:
        return None
    return sum(len(r["fired"]) for r in records) / tokens
