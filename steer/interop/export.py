"""A steering plan at one strength as a GGUF control vector, with its provenance sidecar.

Each exported direction is ``strength x direction`` computed exactly as the steering hook
computes it (a float32 strength times the float32 direction), so ``vectors=file
vectors.path=x.gguf steering.unit=raw steering.strengths=[1]`` adds bit for bit what the
original plan adds at that strength, and llama.cpp's ``--control-vector x.gguf`` adds the same
vectors at the same blocks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from steer import __version__
from steer.json_files import write_json
from steer.models.loaded import LoadedModel
from steer.steering.plan import SteeringPlan
from steer.vectors.gguf_format import (
    ControlVector,
    file_sha256,
    gguf_index,
    write_control_vector,
)
from steer.vectors.gguf_import import SIDECAR_FORMAT, safe_name, sidecar_path
from steer.vectors.vector_set import VectorSet

SIDECAR_VERSION = 1


def scaled_directions(plan: SteeringPlan, strength: float) -> dict[int, torch.Tensor]:
    """``{gguf index: strength x direction}`` as the steering hook would add it (float32)."""
    scale = torch.tensor([float(strength)], dtype=torch.float32)
    return {
        gguf_index(d.ref.layer, d.ref.site): (scale * d.direction.float()).contiguous()
        for d in plan.directions
    }


def export_name(label: str) -> str:
    """``happy,-sad`` -> ``happy_minus_sad``; ``-calm`` -> ``minus_calm``: a vector name and a
    file name that keeps the signs."""
    words = []
    for index, term in enumerate(label.split(",")):
        if term.startswith("-"):
            words.append(f"minus_{term[1:]}")
        else:
            words.append(term if index == 0 else f"plus_{term}")
    return safe_name("_".join(words))


def model_hint(model: LoadedModel) -> str:
    """The model family a control vector is for (llama.cpp writes its architecture name)."""
    return str(getattr(model.hf.config, "model_type", "") or "unknown")


@dataclass(frozen=True)
class Exported:
    path: Path
    sidecar: Path
    name: str
    layers: list[int]


def export_plan(
    plan: SteeringPlan,
    vectors: VectorSet,
    model: LoadedModel,
    strength: float,
    path: Path,
) -> Exported:
    """Write ``path`` (the GGUF) and its sidecar ``path.with_suffix('.json')``."""
    directions = scaled_directions(plan, strength)
    name = export_name(plan.label)
    vector = ControlVector(model_hint(model), {k: v.numpy() for k, v in directions.items()})
    write_control_vector(path, vector, name=name)
    layers = sorted(directions)
    sidecar: dict[str, Any] = {
        "format": SIDECAR_FORMAT,
        "format_version": SIDECAR_VERSION,
        "name": name,
        "vector": plan.label,
        "strength": float(strength),
        "unit": plan.unit,
        "layers": plan.layers,
        "site": plan.refs[0].site.value,
        "gguf_layers": layers,
        "applied_at": "direction.k is added to the output of block k (0-based), every token",
        "layer_norms": [float(x) for x in vectors.layer_norms],
        "default_layer": layers[0],
        "model_hint": vector.model_hint,
        "gguf_sha256": file_sha256(path),
        "provenance": {
            "method": f"steer export: {plan.label} at strength {strength} ({plan.unit} unit)",
            "model_id": model.model_id,
            "weights_hash": model.weights_hash,
            "source_vectors": {
                "names": vectors.names,
                "digest": vectors.content_digest(),
                "provenance": vectors.provenance,
            },
            "steer_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    beside = sidecar_path(path)
    write_json(beside, sidecar)
    return Exported(path, beside, name, layers)
