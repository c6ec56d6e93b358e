"""``run_calibrate(cfg, output_dir)``: the plain function behind ``steer calibrate``.

For each vector in ``calibrate.vectors`` and each layer set in ``calibrate.layers``: generate
every prompt at every strength of ``calibrate.strengths`` (and 0), batched with per-row
strengths; score each reply with the unsteered model; summarise effect and damage per strength;
pick the bound in each direction. Writes ``calibration.json``, ``calibration.png`` and every
reply in ``calibration_rows.jsonl``; prints one line per vector.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from steer.calibration.damage import DIRECTIONS, Bound, DamageBounds, pick_bound
from steer.calibration.document import (
    CALIBRATION,
    Entry,
    calibration_document,
)
from steer.calibration.plot import calibration_plot
from steer.calibration.sweep import generate_grid, summarise
from steer.choices import Engine
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.generation_settings import GenerationSettings
from steer.json_files import RecordWriter, write_json
from steer.models.loaded import LoadedModel
from steer.output_dirs import check_writable, hold
from steer.runs.provenance import environment, model_record
from steer.runs.setup import absolute_paths, build, plain, save_config
from steer.steering.intervention import check_refs_fire
from steer.steering.plan import make_plan
from steer.steering.probe import make_probe
from steer.steering.strengths import with_baseline
from steer.tasks.base import Task
from steer.vectors.vector_set import VectorSet

log = logging.getLogger(__name__)

ROWS = "calibration_rows.jsonl"
FIGURE = "calibration.png"


def _vector_specs(cfg: DictConfig, vectors: VectorSet) -> list[Any]:
    chosen = plain(cfg.calibrate.vectors)
    if chosen:
        return list(chosen)
    if cfg.steering.vector is not None:
        return [plain(cfg.steering.vector)]
    if len(vectors.names) == 1:
        return [vectors.names[0]]
    raise SteerError(
        "no vector to calibrate: calibrate.vectors and steering.vector are unset",
        f"set calibrate.vectors=[...] from: {', '.join(vectors.names[:12])}",
    )


def _layer_sets(cfg: DictConfig) -> list[list[int] | None]:
    chosen = plain(cfg.calibrate.layers)
    if chosen:
        return [[int(layer)] for layer in chosen]
    return [None if cfg.steering.layers is None else [int(x) for x in cfg.steering.layers]]


def _grid(cfg: DictConfig) -> list[float]:
    grid = with_baseline([float(s) for s in cfg.calibrate.strengths])
    if len(grid) < 2:
        raise SteerError("calibrate.strengths holds no nonzero strength", "give a grid")
    return grid


def _refuse_used(output_dir: Path) -> None:
    if (output_dir / CALIBRATION).exists() or (output_dir / ROWS).exists():
        raise SteerError(
            f"{output_dir} already holds a calibration",
            "choose a new output directory (hydra.run.dir=...); nothing was changed",
        )


def _line(entry: Entry) -> str:
    parts = []
    for direction in DIRECTIONS:
        bound = entry.bounds[direction]
        if bound.strength is None:
            parts.append(f"{direction}: none usable")
            continue
        edge = " (grid edge)" if bound.stopped_at is None else ""
        effect = "n/a" if bound.effect_delta is None else f"{bound.effect_delta:+.2f}"
        parts.append(f"{direction} {bound.strength:+g}{edge}, effect {effect}")
    return f"{entry.vector} @ layers {entry.layers}: " + "; ".join(parts)


def run_calibrate(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str] = ()
) -> dict[str, float]:
    """Calibrate every chosen vector and layer; write the files; return the bounds."""
    started = time.time()
    absolute_paths(cfg)
    refuse_non_finite(cfg)
    check_writable(output_dir, "hydra.run.dir", (CALIBRATION, ROWS, FIGURE))
    with hold(output_dir, "hydra.run.dir"):
        return _calibrate_held(cfg, output_dir, overrides, started)


def _calibrate_held(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str], started: float
) -> dict[str, float]:
    _refuse_used(output_dir)
    settings = GenerationSettings(**OmegaConf.to_container(cfg.generation))  # type: ignore[arg-type]
    limits = DamageBounds(**OmegaConf.to_container(cfg.calibrate.bounds))  # type: ignore[arg-type]
    grid = _grid(cfg)
    task: Task = build(cfg.task)
    prompts = task.episodes()
    model: LoadedModel = build(cfg.model)
    vectors: VectorSet = build(cfg.vectors)(model)
    vectors.check_compatible(model)
    engine = Engine(cfg.steering.engine)
    readout_layer = cfg.calibrate.readout_layer
    plans = [
        make_plan(vectors, spec, layers, cfg.steering.positions, cfg.steering.unit, engine)
        for spec in _vector_specs(cfg, vectors)
        for layers in _layer_sets(cfg)
    ]
    for plan in plans:
        check_refs_fire(model, plan.refs, plan.engine)
    save_config(cfg, overrides, output_dir)
    entries = []
    with RecordWriter(output_dir / ROWS) as writer:
        for plan in plans:
            layer = vectors.default_layer if readout_layer is None else int(readout_layer)
            probe = make_probe(vectors, plan.label.split(","), layer)
            log.info("calibrating %s at layers %s over %s", plan.label, plan.layers, grid)
            rows = generate_grid(model, prompts, plan, grid, probe, settings, int(cfg.seed))
            for row in rows:
                writer.write({"vector": plan.label, "layers": plan.layers, **row.record()})
            damage = summarise(rows, grid)
            bounds: dict[str, Bound] = {d: pick_bound(damage, limits, d) for d in DIRECTIONS}
            entry = Entry(plan.label, plan.layers, probe.ref.layer, damage, bounds)
            entries.append(entry)
            print(_line(entry))
    identity = {
        "model": model_record(model),
        "weights_hash": model.weights_hash,
        "vectors_digest": vectors.content_digest(),
        "vectors_provenance": vectors.provenance,
        "unit": str(cfg.steering.unit),
        "site": vectors.site.value,
        "positions": str(cfg.steering.positions),
    }
    run_settings = {
        "strengths": grid,
        "prompts": [episode.id for episode in prompts],
        "generation": OmegaConf.to_container(cfg.generation),
        "seed": int(cfg.seed),
        "environment": environment(),
        "wall_time_s": round(time.time() - started, 2),
    }
    document = calibration_document(entries, limits, identity, run_settings)
    write_json(output_dir / CALIBRATION, document)
    calibration_plot(entries, limits, output_dir / FIGURE)
    print(f"calibration: {output_dir / CALIBRATION}")
    return _metrics(entries)


def _metrics(entries: Sequence[Entry]) -> dict[str, float]:
    metrics = {}
    for entry in entries:
        for direction in DIRECTIONS:
            strength = entry.bounds[direction].strength
            if strength is not None:
                metrics[f"bound_{direction}@{entry.vector}@{entry.layers}"] = strength
    return metrics
