"""Logit lens: the tokens each vector promotes through the final norm and the unembedding."""

from __future__ import annotations

import torch

from steer.hooks import final_norm
from steer.models.loaded import LoadedModel


def top_tokens(model: LoadedModel, vectors: torch.Tensor, k: int = 10) -> list[list[str]]:
    """For each [d_model] row of ``vectors``: the ``k`` tokens with the highest logits."""
    head = model.hf.get_output_embeddings()
    assert head is not None
    with torch.no_grad():
        hidden = final_norm(model.hf)(vectors.to(model.device, next(model.hf.parameters()).dtype))
        logits = head(hidden)
    tokens = logits.topk(k, dim=-1).indices.tolist()
    return [[_show(model, token) for token in row] for row in tokens]


def _show(model: LoadedModel, token: int) -> str:
    text = str(model.tokenizer.decode([token]))
    return text.strip() or repr(text)
