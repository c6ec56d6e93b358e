"""Emotion readouts of a conversation while a task runs: after each attempt, how strongly the
bank's emotions are represented at the last prompt token (the state the model answers from)
and on average over its reply.

Read by an unsteered forward pass over the transcript: a monitor's view of what the
conversation evokes in the model, comparable across steering strengths (reading the steered
layer under steering would mostly show the added vector itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from steer.activations import capturing, run_decoder
from steer.batching import pad_batch
from steer.errors import SteerError
from steer.hooks import HookRef, resolve_layers
from steer.models.loaded import LoadedModel
from steer.readouts import project
from steer.vectors.vector_set import VectorSet

# {"prompt_last": {emotion: value}, "reply_mean": ...}; an empty reply's mean is None (JSON null)
Readings = dict[str, dict[str, float | None]]


@dataclass(frozen=True)
class TranscriptReader:
    model: LoadedModel
    bank: VectorSet
    emotions: tuple[str, ...]
    layer: int
    batch_size: int = 4

    def read(self, pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[Readings]:
        """One reading per (prompt ids, reply ids) pair, right-padded batches (pads come after
        every real token, so under the causal mask they change nothing)."""
        ref = HookRef(self.layer, self.bank.site)
        keep = [self.bank.names.index(e) for e in self.emotions]
        readings: list[Readings] = []
        with capturing(self.model, [ref]) as captured, torch.no_grad():
            for start in range(0, len(pairs), self.batch_size):
                chunk = pairs[start : start + self.batch_size]
                joined = [[*prompt, *reply] for prompt, reply in chunk]
                input_ids, _ = pad_batch(joined, self.model.pad_token_id, "right")
                run_decoder(self.model, [ref], input_ids)
                values = project(captured[ref].cpu(), self.bank, self.layer)[..., keep]
                for row, (prompt, reply) in enumerate(chunk):
                    last = values[row, len(prompt) - 1]
                    span = values[row, len(prompt) : len(prompt) + len(reply)]
                    mean = self._named(span.mean(dim=0)) if len(reply) else self._nothing()
                    readings.append({"prompt_last": self._named(last), "reply_mean": mean})
        return readings

    def record(self) -> dict[str, object]:
        """Where the readings come from, for run.json: a run's readout layer is the bank's
        default (steering) layer unless ``readouts.layer`` chose one, not the readout layer
        that validation picked for `steer read`."""
        return {
            "emotions": list(self.emotions),
            "layer": self.layer,
            "site": self.bank.site.value,
            "bank_digest": self.bank.content_digest(),
        }

    def _nothing(self) -> dict[str, float | None]:
        return dict.fromkeys(self.emotions)

    def _named(self, values: torch.Tensor) -> dict[str, float | None]:
        return {name: round(float(v), 5) for name, v in zip(self.emotions, values, strict=True)}


def make_reader(
    model: LoadedModel, bank_path: str | None, emotions: Sequence[str], layer: int | None
) -> TranscriptReader | None:
    """The reader the ``readouts`` config asks for (None: ``readouts=none``)."""
    if not bank_path:
        return None
    path = Path(bank_path).expanduser()
    if not path.is_file():
        raise SteerError(
            f"no emotion bank at {path} for the readouts",
            "run `steer extract` first, set readouts.bank=PATH, or choose readouts=none",
        )
    bank = VectorSet.load(path)
    bank.check_compatible(model)
    unknown = [e for e in emotions if e not in bank.names]
    if unknown or not emotions:
        raise SteerError(
            f"readout emotion(s) {unknown or '[]'} not in the bank {path}",
            f"choose readouts.emotions from: {', '.join(bank.names[:40])}",
        )
    chosen = bank.default_layer if layer is None else resolve_layers([layer], bank.n_layers)[0]
    return TranscriptReader(model, bank, tuple(emotions), chosen)
