"""`run(cfg, output_dir)`: the plain function behind `steer run`; returns the metrics."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from steer.calibration.use import Calibrated, resolve_strengths
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.generation import GenerationSettings
from steer.json_files import RecordWriter, write_json, write_jsonl
from steer.metrics.aggregate import aggregate_by_strength, flat_metrics
from steer.models.loaded import LoadedModel
from steer.output_dirs import check_writable, hold
from steer.resources import content_hash
from steer.runs.context import check_context
from steer.runs.episodes import Played, batches, play
from steer.runs.provenance import environment, model_record
from steer.runs.records import GENERATIONS, read_run_records, refuse_duplicates
from steer.steering.intervention import check_refs_fire, parse_engine
from steer.steering.plan import SteeringPlan, make_plan
from steer.steering.strengths import check_scale, with_baseline
from steer.steering.trigger import fired_fraction
from steer.steering.trigger_setup import TriggerSpec, make_trigger
from steer.tasks.base import Episode, Task
from steer.transcript_readouts import TranscriptReader, make_reader
from steer.vectors.vector_set import VectorSet

log = logging.getLogger(__name__)

TASKS = "tasks.jsonl"
METRICS = "metrics.json"
PATH_KEYS = ("task.path", "vectors.path", "readouts.bank", "steering.calibration.path")


def build(node: Any) -> Any:
    """``hydra.utils.instantiate`` that lets a SteerError through unwrapped."""
    try:
        return instantiate(node)
    except InstantiationException as error:
        cause = error.__cause__
        while cause is not None and not isinstance(cause, SteerError):
            cause = cause.__cause__
        if cause is not None:
            raise cause from None
        raise


def plain(value: Any) -> Any:
    """A config value as plain Python (a ListConfig becomes a list; scalars stay as they are)."""
    return OmegaConf.to_object(value) if OmegaConf.is_config(value) else value


def absolute_paths(cfg: DictConfig) -> None:
    """Resolve relative input paths against the working directory, so the saved config
    reproduces from anywhere."""
    for key in PATH_KEYS:
        value = OmegaConf.select(cfg, key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            OmegaConf.update(cfg, key, str(Path(value).expanduser().resolve()))


def _choose_vector(cfg: DictConfig, vectors: VectorSet) -> Any:
    chosen = cfg.steering.vector
    if chosen is None:
        if len(vectors.names) != 1:
            raise SteerError(
                "steering.vector is not set and the vector set holds several vectors",
                f"set steering.vector to one of: {', '.join(vectors.names[:12])}",
            )
        return vectors.names[0]
    return plain(chosen)


def trigger_spec(cfg: DictConfig) -> TriggerSpec | None:
    """``steering.trigger`` as a spec, or None when no trigger vector is set."""
    node = OmegaConf.select(cfg, "steering.trigger")
    if node is None or node.vector is None:
        return None
    return TriggerSpec(
        vector=plain(node.vector),
        layer=None if node.layer is None else int(node.layer),
        threshold=float(node.threshold),
        unit="z" if str(node.threshold_unit) == "z" else "readout",
        latch=bool(node.latch),
    )


@dataclass
class Prepared:
    model: LoadedModel
    vectors: VectorSet
    plan: SteeringPlan
    task: Task
    prompts: list[Episode]
    settings: GenerationSettings
    reader: TranscriptReader | None


def prepare(cfg: DictConfig, calibrated: Calibrated | None = None) -> Prepared:
    """Load and check everything a run needs, before anything is generated or written
    (including that calibrated strengths were calibrated on this model and vector set)."""
    settings = GenerationSettings(**OmegaConf.to_container(cfg.generation))  # type: ignore[arg-type]
    task: Task = build(cfg.task)
    prompts = task.episodes()  # a bad task file fails before the model loads
    model: LoadedModel = build(cfg.model)
    check_model = getattr(task, "check_model", None)  # e.g. a pass list recorded on one model
    if check_model is not None:
        check_model(model.model_id)
    vectors: VectorSet = build(cfg.vectors)(model)
    vectors.check_compatible(model)
    layers = None if cfg.steering.layers is None else list(cfg.steering.layers)
    plan = make_plan(
        vectors,
        _choose_vector(cfg, vectors),
        layers,
        str(cfg.steering.positions),
        str(cfg.steering.unit),
        parse_engine(str(cfg.steering.engine)),
    )
    if calibrated is not None:
        calibrated.check_matches(model.weights_hash, vectors.content_digest(), plan.unit)
    trigger = trigger_spec(cfg)
    if trigger is not None:
        plan = replace(plan, trigger=make_trigger(model, vectors, trigger, plan.refs))
    check_refs_fire(model, plan.refs, plan.engine)
    check_scale(plan, vectors.layer_norms, list(cfg.steering.strengths))
    check_context(model, prompts, settings.max_new_tokens)
    readouts = cfg.get("readouts")
    reader = None
    if readouts is not None:
        reader = make_reader(
            model, readouts.bank, [str(e) for e in readouts.emotions], readouts.layer
        )
    return Prepared(model, vectors, plan, task, prompts, settings, reader)


def inputs_hash(cfg: DictConfig, task: Task, episodes: Sequence[Episode]) -> str:
    """The config and everything the task read (episodes, and e.g. the tests and mutations of
    coding tasks): known before the model loads."""
    audit = getattr(task, "audit_records", None)
    return content_hash(
        {
            "config": OmegaConf.to_container(cfg, resolve=True),
            "episodes": [[e.id, list(e.messages), dict(e.info)] for e in episodes],
            "task_records": audit() if audit is not None else None,
        }
    )


def job_hash(cfg: DictConfig, ready: Prepared) -> str:
    """What a resumed run must share with the interrupted one: the inputs, the model's weights,
    the steering vectors and the readout bank."""
    return content_hash(
        {
            "inputs": inputs_hash(cfg, ready.task, ready.prompts),
            "weights": ready.model.weights_hash,
            "vectors": ready.vectors.content_digest(),
            "readouts": ready.reader.bank.content_digest() if ready.reader else None,
        }
    )


def recorded(path: Path) -> list[dict[str, Any]]:
    """The records already in a generations file: each line checked, no pair twice."""
    records = list(read_run_records(path))
    refuse_duplicates(records, path)
    return records


def _foreign_run(output_dir: Path) -> SteerError:
    return SteerError(
        f"{output_dir} holds a run of a different config, model, vectors or prompts",
        "choose a new output directory (hydra.run.dir=...); nothing was changed",
    )


def refuse_other_config(cfg: DictConfig, output_dir: Path) -> None:
    """Before the model loads: records there were made under another saved config."""
    saved = output_dir / ".hydra" / "config.yaml"
    if not (saved.is_file() and recorded(output_dir / GENERATIONS)):
        return
    if saved.read_text(encoding="utf-8", errors="replace") != OmegaConf.to_yaml(cfg):
        raise _foreign_run(output_dir)


def finished_rows(path: Path, expected_hash: str) -> set[tuple[str, float]]:
    """Rows already recorded by an interrupted run of the same job (so they are skipped)."""
    done = set()
    for record in recorded(path):
        if record.get("job_hash") != expected_hash:
            raise _foreign_run(path.parent)
        done.add((record["prompt_id"], float(record["strength"])))
    return done


def write_audit(task: Task, path: Path) -> None:
    """The task's own records (e.g. each coding task with its mutation and seed), if it has any."""
    audit = getattr(task, "audit_records", None)
    if audit is not None:
        write_jsonl(path, audit())


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


def save_config(cfg: DictConfig, overrides: Sequence[str], output_dir: Path) -> None:
    hydra_dir = output_dir / ".hydra"
    hydra_dir.mkdir(parents=True, exist_ok=True)
    (hydra_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg))
    (hydra_dir / "overrides.yaml").write_text(OmegaConf.to_yaml(list(overrides)))


def steered_readout(vector: str, played: Played) -> float | None:
    """The steered emotion's own readout averaged over the last reply (read unsteered), when
    the readouts include the emotion the run steers: does the text carry what was added?"""
    readings = played.attempts[-1].readings or {}
    value = readings.get("reply_mean", {}).get(vector)
    return None if value is None else float(value)


def episode_record(
    task: Task, played: Played, plan: SteeringPlan, seed: int, hash_: str
) -> dict[str, Any]:
    """One episode at one strength: its outcome, then every attempt."""
    episode, last = played.row.episode, played.attempts[-1]
    outcome = task.outcome(episode, [a.score for a in played.attempts])
    own = steered_readout(plan.label, played)
    metrics = outcome.metrics if own is None else {**outcome.metrics, "steered_readout": own}
    fired = [a.reply.trigger for a in played.attempts if a.reply.trigger is not None]
    fraction = fired_fraction(fired) if fired else None
    if fraction is not None:
        metrics = {**metrics, "trigger_fraction": round(fraction, 4)}
    return {
        "prompt_id": episode.id,
        "prompt": episode.text,
        "info": dict(episode.info),
        "vector": plan.label,
        "layers": plan.layers,
        "site": plan.refs[0].site.value,
        "unit": plan.unit,
        "positions": plan.positions,
        "strength": played.row.strength,
        "seed": seed,
        "text": last.reply.text,
        "n_tokens": len(last.reply.tokens),
        "finish_reason": last.reply.finish_reason,
        "metrics": metrics,
        "labels": list(outcome.labels),
        "attempts": [attempt.record() for attempt in played.attempts],
        "job_hash": hash_,
    }


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
    if done:
        log.info("resuming: %d of %d generations already recorded", len(done), total)
    progress = tqdm(total=total, initial=len(done), desc=ready.task.name, unit="row", disable=None)
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
