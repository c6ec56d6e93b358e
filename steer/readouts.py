"""Emotion readouts: projections of residual activations onto a bank's vectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from steer.activations import capturing, run_decoder
from steer.hooks import HookRef, resolve_layers
from steer.models.loaded import LoadedModel
from steer.vectors.vector_set import VectorSet


@dataclass(frozen=True)
class Readout:
    """Per-token projections [n_tokens, n_emotions] of one text, BOS excluded."""

    tokens: list[str]
    projections: torch.Tensor
    names: list[str]

    def means(self) -> dict[str, float]:
        values = self.projections.mean(dim=0) if len(self.tokens) else torch.zeros(len(self.names))
        return {name: float(v) for name, v in zip(self.names, values, strict=True)}

    def top(self, k: int) -> list[str]:
        means = self.means()
        return sorted(means, key=means.__getitem__, reverse=True)[:k]


def unit_directions(bank: VectorSet, layer: int) -> torch.Tensor:
    return torch.nn.functional.normalize(bank.vectors[:, layer].float(), dim=-1)


def project(activations: torch.Tensor, bank: VectorSet, layer: int) -> torch.Tensor:
    """(activation - neutral mean) . unit vector for every emotion: [..., n_emotions]."""
    centred = activations.float()
    if bank.reference_mean is not None:
        centred = centred - bank.reference_mean[layer].float()
    return centred @ unit_directions(bank, layer).T


def read_texts(
    model: LoadedModel,
    bank: VectorSet,
    texts_ids: Sequence[Sequence[int]],
    layer: int | None = None,
) -> list[Readout]:
    """Readouts of each text, one forward pass each (texts may differ a lot in length)."""
    chosen = bank.default_layer if layer is None else resolve_layers([layer], bank.n_layers)[0]
    ref = HookRef(chosen, bank.site)
    readouts = []
    with capturing(model, [ref]) as captured, torch.no_grad():
        for ids in texts_ids:
            run_decoder(model, [ref], torch.tensor([list(ids)]))
            hidden = captured[ref][0, 1:].cpu()
            tokens = [str(model.tokenizer.decode([t])) for t in list(ids)[1:]]
            readouts.append(Readout(tokens, project(hidden, bank, chosen), list(bank.names)))
    return readouts


READOUT_POOLING = "mean projection over every token after BOS"


def mean_readouts(
    model: LoadedModel, bank: VectorSet, texts: Sequence[str], layer: int | None = None
) -> torch.Tensor:
    """The readout `steer read` shows for each text: [n_texts, n_emotions] in the bank's order."""
    readouts = read_texts(model, bank, [model.formatter.text_ids(t) for t in texts], layer)
    return torch.stack(
        [r.projections.mean(dim=0) if r.tokens else torch.zeros(len(r.names)) for r in readouts]
    )
