"""A tiny randomly initialised Llama-style model and a byte-level tokenizer, built offline."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import (
    AutoTokenizer,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from steer.models.cache import cache_root, materialise_dir

SPECIAL_TOKENS = ["<|bos|>", "<|eos|>", "<|pad|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|bos|>' + message['role'] + '\n' + message['content'] "
    "+ '<|eos|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|bos|>assistant\n' }}"
    "{% endif %}"
)


def _save_byte_tokenizer(folder: Path) -> None:
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS)}
    for symbol in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[symbol] = len(vocab)
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=SPECIAL_TOKENS[0],
        eos_token=SPECIAL_TOKENS[1],
        pad_token=SPECIAL_TOKENS[2],
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(folder)


def byte_tokenizer() -> PreTrainedTokenizerBase:
    """A byte-level tokenizer (259 tokens) with a chat template.

    It is saved to the cache and loaded back because TransformerLens re-creates tokenizers from
    their ``name_or_path``.
    """
    folder = materialise_dir(cache_root() / "tokenizers" / "byte-level-v1", _save_byte_tokenizer)
    tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(folder)
    return tokenizer


def build_tiny_random(
    n_layers: int, d_model: int, n_heads: int, n_kv_heads: int, d_mlp: int, seed: int
) -> tuple[LlamaForCausalLM, PreTrainedTokenizerBase]:
    tokenizer = byte_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=d_model,
        intermediate_size=d_mlp,
        num_hidden_layers=n_layers,
        num_attention_heads=n_heads,
        num_key_value_heads=n_kv_heads,
        max_position_embeddings=2048,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    config.architectures = ["LlamaForCausalLM"]
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(generator_state)
    return model, tokenizer
