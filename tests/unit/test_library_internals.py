"""The library internals steer reads by name: each is found, or the lookup fails loudly."""

from __future__ import annotations

import pytest
import torch
from transformers import DynamicCache

from steer.errors import SteerError
from steer.hooks import decoder, decoder_layers, final_norm
from steer.internals import (
    bridge_wrapped_model,
    cached_generation_error,
    cached_length,
    check_cached_generation,
    find_kv_cache,
    hidden_states_argument,
)
from steer.models.loaded import LoadedModel


def test_the_kv_cache_is_found_under_either_keyword_or_position() -> None:
    cache = DynamicCache()
    assert find_kv_cache((), {"cache": cache}) is cache  # transformers >= 5.25
    assert find_kv_cache((), {"past_key_values": cache}) is cache  # transformers 5.23-5.24
    assert find_kv_cache((), {"renamed_in_6_0": cache}) is cache
    assert find_kv_cache((torch.zeros(1), cache), {}) is cache
    assert find_kv_cache((), {"cache": None, "use_cache": True}) is None


def test_a_cache_without_a_length_is_refused() -> None:
    with pytest.raises(SteerError, match="get_seq_length"):
        cached_length(object())


def test_a_decoder_layer_call_without_hidden_states_is_refused() -> None:
    hidden = torch.zeros(1, 2, 3)
    assert hidden_states_argument((hidden,), {}) is hidden
    assert hidden_states_argument((), {"hidden_states": hidden}) is hidden
    with pytest.raises(SteerError, match="hidden-state tensor"):
        hidden_states_argument((), {"x": hidden})


def test_a_model_without_the_usual_decoder_layout_is_refused(tiny: LoadedModel) -> None:
    assert decoder_layers(tiny.hf) is tiny.hf.get_decoder().layers
    assert final_norm(tiny.hf) is tiny.hf.get_decoder().norm
    for lookup in (decoder, decoder_layers, final_norm):
        with pytest.raises(SteerError, match="decoder"):
            lookup(torch.nn.Linear(2, 2))


def test_a_bridge_without_its_wrapped_model_is_refused() -> None:
    with pytest.raises(SteerError, match="original_model"):
        bridge_wrapped_model(object())


def test_both_engines_generate_under_the_cache_as_a_recomputation_does(tiny: LoadedModel) -> None:
    prompt = tiny.formatter.text_ids("Once upon a time")
    assert cached_generation_error(tiny.hf, prompt, new_tokens=6) < 1e-5
    assert cached_generation_error(tiny.bridged_hf, prompt, new_tokens=6) < 1e-5


def test_a_model_whose_attention_ignores_the_cache_is_refused(tiny: LoadedModel) -> None:
    """The check behind steering.engine=bridge can fail: hide the cache from every attention
    module and generation attends to the newest token alone."""

    def drop_cache(_module: torch.nn.Module, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        return args, {k: v for k, v in kwargs.items() if k not in ("cache", "past_key_values")}

    attention = [layer.self_attn for layer in tiny.hf.get_decoder().layers]
    handles = [a.register_forward_pre_hook(drop_cache, with_kwargs=True) for a in attention]
    try:
        prompt = tiny.formatter.text_ids("Once upon a time")
        with pytest.raises(SteerError, match="differs from a recomputation"):
            check_cached_generation(tiny.hf, prompt, engine="hf")
    finally:
        for handle in handles:
            handle.remove()
