"""A GGUF control vector as a one-vector :class:`VectorSet` (``vectors=file vectors.path=x.gguf``).

``direction.k`` becomes the vector at steer's ``resid_post`` of layer ``k`` (where llama.cpp adds
it), zero at every other layer. With ``steering.unit=raw`` and strength 1 steer adds exactly
what llama.cpp adds with ``--control-vector``; with ``steering.unit=norm`` a strength is a
fraction of the layer's mean residual norm, as for any vector set.

The provenance sidecar ``x.json`` that ``steer export`` writes beside ``x.gguf`` supplies the
name, the source's layer norms (so the norm unit is the source bank's), its default layer and
its provenance, including the weights it was made on (another model is refused). It must
belong to the file: its recorded SHA-256 must match. Files from repeng or llama.cpp have no
sidecar: their name is the file's stem, and the layer norms are measured on the loaded model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from steer.choices import Site
from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.vectors.gguf_format import ControlVector, file_sha256, read_control_vector
from steer.vectors.norms import default_layer, layer_norms
from steer.vectors.vector_set import VectorSet

SIDECAR_FORMAT = "steer control vector"


def sidecar_path(path: Path) -> Path:
    return path.with_suffix(".json")


def read_sidecar(path: Path, sha256: str) -> dict[str, Any] | None:
    """The sidecar beside ``path`` if there is one, checked to describe this very file."""
    beside = sidecar_path(path)
    if not beside.is_file():
        return None
    try:
        sidecar = json.loads(beside.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SteerError(f"{beside} is not valid JSON ({error})", "fix or delete it") from None
    if not isinstance(sidecar, dict) or sidecar.get("format") != SIDECAR_FORMAT:
        return None  # some other JSON file that happens to share the name
    if sidecar.get("gguf_sha256") != sha256:
        raise SteerError(
            f"{beside} describes another file (its gguf_sha256 differs from {path.name}'s)",
            "delete the stale sidecar, or export the vector again",
        )
    return sidecar


def safe_name(text: str) -> str:
    """A vector name ``steering.vector`` can select (no leading sign, no comma)."""
    cleaned = text.replace(",", "_").lstrip("+-").strip() or "control_vector"
    return cleaned


def _check_fits(vector: ControlVector, model: LoadedModel, path: Path) -> None:
    if vector.width != model.d_model:
        raise SteerError(
            f"{path} has {vector.width}-wide directions; the model's width is {model.d_model} "
            f"(model hint {vector.model_hint or 'none'})",
            "load the model the control vector was made for",
        )
    top = max(vector.directions)
    if top >= model.n_layers:
        raise SteerError(
            f"{path} steers block {top}, but the model has blocks 0 to {model.n_layers - 1}",
            "load the model the control vector was made for",
        )


def _nearest(layers: list[int], target: int) -> int:
    return min(layers, key=lambda layer: (abs(layer - target), layer))


def load_control_vector_set(model: LoadedModel, path: Path) -> VectorSet:
    """The control vector at ``path`` as a vector set for ``model`` (checked to fit it)."""
    vector = read_control_vector(path)
    _check_fits(vector, model, path)
    sha256 = file_sha256(path)
    sidecar = read_sidecar(path, sha256)
    values = torch.zeros(1, model.n_layers, model.d_model)
    for index, data in vector.directions.items():
        values[0, index] = torch.from_numpy(data)
    facts = {
        "path": str(path),
        "sha256": sha256,
        "model_hint": vector.model_hint,
        "layers": sorted(vector.directions),
        "applied_at": "resid_post of block k for direction.k (as llama.cpp applies it)",
    }
    layers = sorted(vector.directions)
    if sidecar is not None:
        norms = torch.tensor(sidecar["layer_norms"], dtype=torch.float32)
        if norms.shape != (model.n_layers,):
            raise SteerError(
                f"{sidecar_path(path)} records {norms.shape[0]} layer norms for a model with "
                f"{model.n_layers} layers",
                "load the model the control vector was made for",
            )
        provenance = {**sidecar.get("provenance", {}), "gguf": facts, "sidecar": sidecar}
        name = safe_name(str(sidecar.get("name", path.stem)))
        chosen = int(sidecar.get("default_layer", _nearest(layers, default_layer(model.n_layers))))
    else:
        norms, norm_note = layer_norms(model, Site.resid_post)
        provenance = {
            "method": "GGUF control vector without a steer sidecar (repeng, llama.cpp, ...)",
            "gguf": facts,
            "layer_norms": norm_note,
        }
        name = safe_name(path.stem)
        chosen = _nearest(layers, default_layer(model.n_layers))
    return VectorSet(
        names=[name],
        vectors=values,
        layer_norms=norms,
        site=Site.resid_post,
        default_layer=chosen,
        provenance=provenance,
    )
