"""The library internals `steer` reads by name, each behind a check that fails loudly.

transformers and TransformerLens rename things between minor releases (transformers 5.25 passes
the KV cache to a decoder's forward as ``cache=`` where 5.24 said ``past_key_values=``). Code
that looks a renamed keyword up finds nothing and carries on, so every such lookup lives here,
and each one either finds what it needs or raises :class:`SteerError` naming the versions.
The hook-name vocabulary and the decoder-layer lookup are in :mod:`steer.hooks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle
from transformers import PreTrainedModel

from steer.errors import SteerError

# The keyword under which a decoder's forward receives the KV cache: transformers >= 5.25
# says ``cache``; 5.23 and 5.24 said ``past_key_values`` (5.25 still accepts it, deprecated).
CACHE_KEYWORDS = ("cache", "past_key_values")


def library_versions() -> str:
    """``transformers X, transformer-lens Y``: what an error about internals should name."""
    names = ("transformers", "transformer-lens")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def _cache_base_class() -> type:
    try:
        from transformers.cache_utils import Cache
    except ImportError:
        raise SteerError(
            f"transformers.cache_utils.Cache is gone ({library_versions()})",
            "install the locked versions with `make setup`",
        ) from None
    return Cache


def find_kv_cache(args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any | None:
    """The KV cache a forward call received, under any keyword or position, or None."""
    for name in CACHE_KEYWORDS:
        value = kwargs.get(name)
        if value is not None:
            return value
    cache_type = _cache_base_class()
    for value in (*args, *kwargs.values()):
        if isinstance(value, cache_type):
            return value
    return None


def cached_length(cache: Any) -> int:
    """How many tokens a KV cache already holds."""
    get_seq_length = getattr(cache, "get_seq_length", None)
    if not callable(get_seq_length):
        raise SteerError(
            f"the KV cache ({type(cache).__name__}) has no get_seq_length() ({library_versions()})",
            "install the locked versions with `make setup`",
        )
    return int(get_seq_length())


def hidden_states_argument(args: Sequence[Any], kwargs: Mapping[str, Any]) -> torch.Tensor:
    """The hidden state a decoder layer was called with (first positional, or by keyword)."""
    value = args[0] if args else kwargs.get("hidden_states")
    if not isinstance(value, torch.Tensor):
        raise SteerError(
            "a decoder layer was called without a hidden-state tensor as its first argument "
            f"or as hidden_states= ({library_versions()})",
            "install the locked versions with `make setup`, or use steering.engine=bridge",
        )
    return value


def bridge_wrapped_model(bridge: Any) -> PreTrainedModel:
    """The Hugging Face model a TransformerBridge wraps (its blocks fire the bridge's hooks)."""
    model = getattr(bridge, "original_model", None)
    if not isinstance(model, PreTrainedModel):
        raise SteerError(
            f"the TransformerBridge has no original_model ({library_versions()})",
            "install the locked versions with `make setup`",
        )
    return model


def _bridge_attention_modules(model: nn.Module) -> list[nn.Module]:
    # TransformerLens's attention bridges extend their K/V through ``_update_kv_cache``, which
    # reads the cache from the keyword ``past_key_values`` only.
    return [m for m in model.modules() if callable(getattr(m, "_update_kv_cache", None))]


def _pass_cache_as_past_key_values(
    _module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]] | None:
    if kwargs.get("past_key_values") is None and kwargs.get("cache") is not None:
        return args, {**kwargs, "past_key_values": kwargs["cache"]}
    return None


def bridge_cache_keyword_shim(bridged: nn.Module) -> list[RemovableHandle]:
    """Hand the KV cache to TransformerLens's attention bridges under the name they read.

    transformer-lens 4.3 reads ``past_key_values`` while transformers >= 5.25 passes ``cache``:
    without this every decode step of the bridge attends to itself alone. The shim stays on the
    bridge for the model's life; :func:`cached_generation_error` proves it works (or that it is
    not needed).
    """
    return [
        module.register_forward_pre_hook(_pass_cache_as_past_key_values, with_kwargs=True)
        for module in _bridge_attention_modules(bridged)
    ]


def cached_generation_error(
    model: PreTrainedModel, prompt: Sequence[int], new_tokens: int
) -> float:
    """Greedy generation under the KV cache against one forward pass over the same tokens: the
    largest logit difference relative to the largest logit. 0 up to rounding when the cache
    works."""
    device = next(model.parameters()).device
    ids = torch.tensor([list(prompt)], device=device)
    generator: Any = model  # `generate` is untyped upstream
    with torch.no_grad():
        out = generator.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=new_tokens,
            do_sample=False,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=0,
            eos_token_id=None,
        )
        full = model(input_ids=out.sequences, use_cache=False).logits
    cached = torch.stack(list(out.logits), dim=1)[0].float()
    recomputed = full[0, len(prompt) - 1 : -1].float()
    return float((cached - recomputed).abs().max() / recomputed.abs().max().clamp(min=1.0))


def check_cached_generation(
    model: PreTrainedModel, prompt: Sequence[int], engine: str, tolerance: float = 1e-3
) -> None:
    """Refuse an engine whose cached generation disagrees with a recomputation."""
    error = cached_generation_error(model, prompt, new_tokens=4)
    if not error <= tolerance:
        raise SteerError(
            f"steering.engine={engine}: generation under the KV cache differs from a "
            f"recomputation of the same tokens (largest logit difference {error:.3g} of the "
            f"largest logit) with {library_versions()}",
            "install the locked versions with `make setup`, or use steering.engine=hf",
        )
