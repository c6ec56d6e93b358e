"""``run_export(cfg, output_dir)``: the plain function behind ``steer export``.

Builds the vector set as ``steer run`` does (``vectors=bank|contrast|file``), the plan for
``export.vector`` at ``export.layers`` in ``export.unit``, and writes the GGUF control vector
at ``export.strength`` with its sidecar into the run directory (or ``export.path``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from steer.choices import Engine
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.interop.export import Exported, export_name, export_plan
from steer.models.loaded import LoadedModel
from steer.runs.setup import build, plain, save_config
from steer.steering.plan import make_plan
from steer.steering.probe import parse_terms, terms_label
from steer.vectors.vector_set import VectorSet


def _vector(cfg: DictConfig, vectors: VectorSet) -> str | list[str]:
    chosen = plain(cfg.export.vector)
    if chosen is not None:
        return chosen  # type: ignore[no-any-return]
    if len(vectors.names) != 1:
        raise SteerError(
            "export.vector is not set and the vector set holds several vectors",
            f"set export.vector to one of: {', '.join(vectors.names[:12])} (or [a,-b])",
        )
    return vectors.names[0]


def _layers(cfg: DictConfig, vectors: VectorSet) -> list[int] | None:
    if cfg.export.all_layers:
        if cfg.export.layers is not None:
            raise SteerError(
                "export.all_layers=true and export.layers are both set", "choose one of them"
            )
        return list(range(1, vectors.n_layers))  # llama.cpp has no slot for block 0
    return None if cfg.export.layers is None else [int(x) for x in cfg.export.layers]


def _target(cfg: DictConfig, output_dir: Path, name: str) -> Path:
    chosen = cfg.export.path
    if not chosen:
        return output_dir / f"{name}.gguf"
    path = Path(str(chosen)).expanduser().resolve()
    if path.suffix != ".gguf":
        raise SteerError(f"export.path {path} does not end in .gguf", "name the file x.gguf")
    return path


def run_export(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str] = ()
) -> dict[str, float]:
    """Write the control vector and its sidecar; print how to use them."""
    refuse_non_finite(cfg)
    strength = float(cfg.export.strength)
    if strength == 0:
        raise SteerError("export.strength=0 exports a zero vector", "choose a strength, e.g. 0.1")
    model: LoadedModel = build(cfg.model)
    vectors: VectorSet = build(cfg.vectors)(model)
    vectors.check_compatible(model)
    vector = _vector(cfg, vectors)
    plan = make_plan(vectors, vector, _layers(cfg, vectors), "all", str(cfg.export.unit), Engine.hf)
    path = _target(cfg, output_dir, export_name(terms_label(parse_terms(vector))))
    if path.exists():
        raise SteerError(f"{path} already exists", "choose another export.path; nothing written")
    save_config(cfg, overrides, output_dir)
    exported = export_plan(plan, vectors, model, strength, path)
    for line in usage_lines(exported, plan.label, strength, str(cfg.export.unit)):
        print(line)
    return {"layers": float(len(exported.layers)), "strength": strength}


def usage_lines(exported: Exported, label: str, strength: float, unit: str) -> list[str]:
    layers = exported.layers
    span = f"{layers[0]}" if len(layers) == 1 else f"{layers[0]}-{layers[-1]} ({len(layers)})"
    return [
        f"control vector {label} at strength {strength} ({unit} unit), layers {span}:",
        f"  {exported.path}",
        f"  {exported.sidecar} (provenance)",
        f"llama.cpp: llama-cli -m MODEL.gguf --control-vector {exported.path}",
        f"steer:     steer run vectors=file vectors.path={exported.path} "
        "steering.unit=raw steering.strengths=[1.0]",
    ]
