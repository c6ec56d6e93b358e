"""Setting a run up, shared by the commands that generate (``steer run``, ``steer inspect``,
``steer calibrate``, ``steer extract``, ``steer export``; their jobs are in ``steer.jobs``).

Building config nodes (``build``: a SteerError comes through unwrapped), plain values, input
paths made absolute, the checked ``Prepared`` run (model, vectors, plan, task, episodes,
settings, readout reader), the hashes that tie records to their inputs, the checks that keep a
resumed run from mixing with another, the saved config and one episode's record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from steer.errors import SteerError
from steer.generation_settings import GenerationSettings
from steer.json_files import write_jsonl
from steer.models.loaded import LoadedModel
from steer.resources import content_hash
from steer.run_records import GENERATIONS, read_run_records, refuse_duplicates
from steer.runs.context import check_context
from steer.runs.episodes import Played
from steer.steering.intervention import check_refs_fire
from steer.steering.plan import SteeringPlan, make_plan
from steer.steering.strengths import check_scale
from steer.steering.trigger import fired_fraction
from steer.steering.trigger_setup import TriggerSpec, make_trigger
from steer.tasks.base import Episode, Task
from steer.transcript_readouts import TranscriptReader, make_reader
from steer.vectors.vector_set import VectorSet

PATH_KEYS = ("task.path", "vectors.path", "readouts.bank", "steering.calibration.path")


class CalibrationCheck(Protocol):
    """Calibrated strengths (``steer.calibration.use.Calibrated``): refuse another model,
    vector set or unit than the calibration's."""

    def check_matches(self, weights_hash: str, vectors_digest: str, unit: str) -> None: ...


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


def prepare(cfg: DictConfig, calibrated: CalibrationCheck | None = None) -> Prepared:
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
        cfg.steering.positions,  # choices the schema checked (steer.choices)
        cfg.steering.unit,
        cfg.steering.engine,
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
