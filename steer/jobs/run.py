"""`run(cfg, output_dir)`: the plain function behind `steer run`; returns the metrics.

The job only: it sets the run up with ``steer.runs.setup``, plays the episodes with
``steer.runs.episodes`` and writes the run files (``steer.run_records``, ``steer.json_files``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from steer.calibration.use import Calibrated, resolve_strengths
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.json_files import RecordWriter, write_json
from steer.metrics.aggregate import aggregate_by_strength, flat_metrics
from steer.output_dirs import check_writable, hold
from steer.progress import progress as show_progress
from steer.run_records import GENERATIONS, METRICS
from steer.runs.episodes import batches, play
from steer.runs.provenance import environment, model_record
from steer.runs.setup import (
    Prepared,
    absolute_paths,
    build,
    episode_record,
    finished_rows,
    inputs_hash,
    job_hash,
    prepare,
    recorded,
    refuse_other_config,
    save_config,
    write_audit,
)
from steer.steering.strengths import with_baseline
from steer.tasks.base import Task

log = logging.getLogger(__name__)

TASKS = "tasks.jsonl"


def finished_metrics(cfg: DictConfig, output_dir: Path) -> dict[str, float] | None:
    """The metrics of a run of this same config that already finished in ``output_dir`` (a
    re-launched sweep skips such jobs without loading anything); None if there is none."""
    saved, metrics = output_dir / ".hydra" / "config.yaml", output_dir / METRICS
    if not (saved.is_file() and metrics.is_file()):
        return None
    if saved.read_text(encoding="utf-8", errors="replace") != OmegaConf.to_yaml(cfg):
        return None
    try:
        summary = json.loads(metrics.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None  # a damaged metrics.json: not finished (resuming writes it again)
    if not isinstance(summary, dict) or not isinstance(summary.get("by_strength"), dict):
        return None
    task: Task = build(cfg.task)
    episodes = task.episodes()
    if summary.get("inputs_hash") != inputs_hash(cfg, task, episodes):
        return None  # e.g. the prompt file changed: not this run (resuming will refuse it)
    strengths = with_baseline(cfg.steering.strengths)
    expected = {(e.id, s) for e in episodes for s in strengths}
    have = {(r["prompt_id"], float(r["strength"])) for r in recorded(output_dir / GENERATIONS)}
    if not expected <= have:
        return None
    return flat_metrics(summary["by_strength"])


def _write_provenance(path: Path, ready: Prepared, strengths: list[float], wall: float) -> None:
    """run.json; a resumed run keeps the first run's record and appends its own."""
    this_run = {"environment": environment(), "wall_time_s": round(wall, 2)}
    if path.is_file():
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            previous = None
        if not isinstance(previous, dict):
            raise SteerError(
                f"{path} is damaged (not a JSON object); the generations and metrics.json are "
                "written, run.json is left as it was",
                "restore run.json from a backup, or delete it to have the next run write anew",
            )
        previous.setdefault("resumed_by", []).append(this_run)
        write_json(path, previous)
        return
    write_json(
        path,
        {
            "model": model_record(ready.model),
            "vectors": {"names": ready.vectors.names, "provenance": ready.vectors.provenance},
            "steering": {
                "vector": ready.plan.label,
                "layers": ready.plan.layers,
                "strengths": strengths,
                "trigger": ready.plan.trigger.record() if ready.plan.trigger else None,
            },
            "readouts": ready.reader.record() if ready.reader else None,
            **this_run,
        },
    )


RUN_FILES = (GENERATIONS, TASKS, METRICS, "run.json", "run.log", ".hydra/config.yaml",
             ".hydra/overrides.yaml")  # fmt: skip


def run(cfg: DictConfig, output_dir: Path, overrides: Sequence[str] = ()) -> dict[str, float]:
    """Play every episode at every strength, write the run files, return the metrics.

    Refused before anything loads: a NaN or infinite number in the config, an output
    directory that cannot be written, or one another process is writing into."""
    started = time.time()
    absolute_paths(cfg)
    refuse_non_finite(cfg)
    calibrated = resolve_strengths(cfg)  # before the config is checked, compared or saved
    with_baseline(cfg.steering.strengths)
    check_writable(output_dir, "hydra.run.dir", RUN_FILES)
    with hold(output_dir, "hydra.run.dir"):
        return _run_held(cfg, output_dir, overrides, started, calibrated)


def _run_held(
    cfg: DictConfig,
    output_dir: Path,
    overrides: Sequence[str],
    started: float,
    calibrated: Calibrated | None,
) -> dict[str, float]:
    already = finished_metrics(cfg, output_dir)
    if already is not None:
        log.info("%s already holds this run, finished: skipped", output_dir)
        return already
    path = output_dir / GENERATIONS
    # A damaged or doubled generations file, or records of another config, stop the run
    # before the model loads.
    refuse_other_config(cfg, output_dir)
    recorded(path)
    ready = prepare(cfg, calibrated)
    hash_ = job_hash(cfg, ready)
    done = finished_rows(path, hash_)  # refuses a foreign run before anything is written
    save_config(cfg, overrides, output_dir)
    write_audit(ready.task, output_dir / TASKS)
    strengths = with_baseline(cfg.steering.strengths)
    plan, model = ready.plan, ready.model
    workers = int(OmegaConf.select(cfg, "sandbox.workers", default=1))
    total = len(ready.prompts) * len(strengths)
    log.info(
        "steering %s at layers %s (%s, unit %s) with strengths %s on %d prompts",
        plan.label, plan.layers, plan.positions, plan.unit, strengths, len(ready.prompts),
    )  # fmt: skip
    if ready.reader is not None:
        log.info(
            "reading %s after every attempt at layer %d (%s), unsteered",
            ", ".join(ready.reader.emotions), ready.reader.layer, ready.reader.bank.site.value,
        )  # fmt: skip
    if done:
        log.info("resuming: %d of %d generations already recorded", len(done), total)
    progress = show_progress(
        total=total, initial=len(done), desc=ready.task.name, unit="row", logger=log
    )
    with RecordWriter(path) as writer, progress:
        for index, batch in enumerate(batches(ready.prompts, strengths, ready.settings.batch_size)):
            missing = [(r.episode.id, r.strength) not in done for r in batch]
            if not any(missing):
                continue
            # A batch is always regenerated whole, so its composition and seed (and so its
            # sampled outputs) are those of an uninterrupted run.
            seed = int(cfg.seed) + index
            results = play(
                model, ready.task, batch, plan, ready.settings, seed, ready.reader, workers
            )
            for played, needed in zip(results, missing, strict=True):
                if needed:
                    writer.write(episode_record(ready.task, played, plan, seed, hash_))
            progress.update(sum(missing))
    summary = aggregate_by_strength(recorded(path), ready.task.metrics)
    write_json(
        output_dir / METRICS,
        {
            "task": ready.task.name,
            "inputs_hash": inputs_hash(cfg, ready.task, ready.prompts),
            "vector": plan.label,
            "layers": plan.layers,
            "unit": plan.unit,
            "by_strength": summary,
        },
    )
    _write_provenance(output_dir / "run.json", ready, strengths, time.time() - started)
    return flat_metrics(summary)
