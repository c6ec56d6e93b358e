"""A loaded model: a TransformerBridge and a plain Hugging Face view sharing its weights."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from steer.errors import SteerError
from steer.hooks import decoder_layers
from steer.internals import (
    bridge_cache_keyword_shim,
    bridge_wrapped_model,
    check_cached_generation,
)
from steer.models.prompts import PromptFormatter


@dataclass
class LoadedModel:
    """Everything `steer` needs of a model.

    ``bridge`` is the TransformerLens view (hook points by name). ``hf`` is a plain Hugging
    Face model sharing the same parameter tensors: booting the bridge rewrites the model it is
    given, and plain torch hooks on an unwrapped model cost nothing measurable in generation.
    """

    model_id: str
    hf: PreTrainedModel
    bridge: Any  # transformer_lens.model_bridge.TransformerBridge (untyped upstream)
    tokenizer: PreTrainedTokenizerBase
    weights_hash: str
    _bridge_generation_checked: bool = field(default=False, init=False, repr=False)
    _max_token_chars: int | None = field(default=None, init=False, repr=False)

    @property
    def formatter(self) -> PromptFormatter:
        return PromptFormatter(self.tokenizer)

    @property
    def n_layers(self) -> int:
        return len(decoder_layers(self.hf))

    @property
    def d_model(self) -> int:
        weight = self.hf.get_input_embeddings().weight
        assert isinstance(weight, torch.Tensor)
        return int(weight.shape[1])

    @property
    def device(self) -> torch.device:
        return next(self.hf.parameters()).device

    @property
    def bridged_hf(self) -> PreTrainedModel:
        """The Hugging Face model the bridge wraps (its blocks fire TransformerLens hooks)."""
        return bridge_wrapped_model(self.bridge)

    def check_bridge_generation(self) -> None:
        """Once per model: refuse bridge generation whose KV cache disagrees with a
        recomputation (transformers and TransformerLens drift apart between releases)."""
        if self._bridge_generation_checked:
            return
        prompt = self.formatter.text_ids("The quick brown fox jumps over the lazy dog")
        check_cached_generation(self.bridged_hf, prompt, engine="bridge")
        self._bridge_generation_checked = True

    @property
    def context_length(self) -> int | None:
        """The most tokens (prompt and reply) the model takes: its position limit, if set."""
        limit = getattr(self.hf.config, "max_position_embeddings", None)
        return int(limit) if isinstance(limit, int) and limit > 0 else None

    @property
    def max_token_chars(self) -> int:
        """The most characters one token can stand for (the longest vocabulary entry): a text
        longer than this times N tokens needs more than N tokens."""
        if self._max_token_chars is None:
            vocabulary = self.tokenizer.get_vocab()
            self._max_token_chars = max((len(token) for token in vocabulary), default=1)
        return self._max_token_chars

    @property
    def pad_token_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id
        if pad is None:
            raise SteerError(
                "the tokenizer has neither a pad nor an EOS token", "use another model"
            )
        return int(pad)

    @property
    def eos_token_ids(self) -> list[int]:
        ids: set[int] = set()
        configured = getattr(self.hf.generation_config, "eos_token_id", None)
        if isinstance(configured, int):
            ids.add(configured)
        elif isinstance(configured, list):
            ids.update(int(i) for i in configured)
        if self.tokenizer.eos_token_id is not None:
            ids.add(int(self.tokenizer.eos_token_id))
        return sorted(ids)


def weights_hash(model: torch.nn.Module) -> str:
    """A BLAKE2b digest of parameter names, shapes, dtypes and bytes: the exact weights.

    Tied tensors (an LM head sharing the embedding) are hashed once, by name reference.
    """
    digest = hashlib.blake2b(digest_size=32)
    seen: dict[int, str] = {}
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        pointer = tensor.data_ptr()
        if pointer in seen:
            digest.update(f"tied:{seen[pointer]}".encode())
            continue
        seen[pointer] = name
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy().data)
    return digest.hexdigest()


def assemble(model_id: str, hf: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> LoadedModel:
    """Freeze ``hf``, keep a weight-sharing plain view of it, then boot the bridge over it."""
    from transformer_lens.model_bridge import TransformerBridge

    hf.eval()
    hf.requires_grad_(False)
    digest = weights_hash(hf)
    # deepcopy with every parameter in the memo copies the module tree but shares the tensors.
    plain = copy.deepcopy(hf, memo={id(p): p for p in hf.parameters()})
    bridge = TransformerBridge.boot_transformers(model_id, hf_model=hf, tokenizer=tokenizer)
    bridge.eval()
    bridge_cache_keyword_shim(bridge_wrapped_model(bridge))
    return LoadedModel(
        model_id=model_id, hf=plain, bridge=bridge, tokenizer=tokenizer, weights_hash=digest
    )
