"""`run(cfg, output_dir)`: the plain function behind `steer run`; returns the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from tqdm.auto import tqdm

from steer.errors import SteerError
from steer.generation import GenerationSettings, generate_rows
from steer.metrics.aggregate import aggregate_by_strength, flat_metrics
from steer.metrics.text import text_metrics
from steer.models.loaded import LoadedModel
from steer.resources import content_hash
from steer.runs.provenance import environment, model_record
from steer.runs.records import RecordWriter, read_records, write_json
from steer.steering.intervention import check_refs_fire, parse_engine
from steer.steering.plan import SteeringPlan, make_plan
from steer.tasks.prompts import Prompt
from steer.vectors.vector_set import VectorSet

log = logging.getLogger(__name__)

GENERATIONS = "generations.jsonl"


def with_baseline(strengths: Sequence[float]) -> list[float]:
    """The strengths to run, in order, always including 0 (the paired baseline)."""
    chosen = sorted({float(s) for s in strengths} | {0.0})
    return chosen


@dataclass(frozen=True)
class Row:
    prompt: Prompt
    strength: float


def batches(rows: Sequence[Row], size: int) -> Iterator[tuple[int, list[Row]]]:
    if size < 1:
        raise SteerError(f"generation.batch_size={size} is not positive", "use 1 or more")
    for index, start in enumerate(range(0, len(rows), size)):
        yield index, list(rows[start : start + size])


def _choose_vector(cfg: DictConfig, vectors: VectorSet) -> Any:
    chosen = cfg.steering.vector
    if chosen is None:
        if len(vectors.names) != 1:
            raise SteerError(
                "steering.vector is not set and the vector set holds several vectors",
                f"set steering.vector to one of: {', '.join(vectors.names[:12])}",
            )
        return vectors.names[0]
    return OmegaConf.to_object(chosen) if OmegaConf.is_config(chosen) else chosen


def prepare(cfg: DictConfig) -> tuple[LoadedModel, VectorSet, SteeringPlan, list[Prompt]]:
    """Load and check everything a run needs, before anything is generated."""
    task = instantiate(cfg.task)
    prompts = task.prompts()  # read the task first: a bad prompt file fails before model loading
    model: LoadedModel = instantiate(cfg.model)
    vectors: VectorSet = instantiate(cfg.vectors)(model)
    vectors.check_compatible(model)
    layers = list(cfg.steering.layers) if cfg.steering.layers is not None else None
    plan = make_plan(
        vectors,
        _choose_vector(cfg, vectors),
        layers,
        cfg.steering.positions,
        cfg.steering.unit,
        parse_engine(cfg.steering.engine),
    )
    check_refs_fire(model, plan.refs, plan.engine)
    return model, vectors, plan, prompts


def config_hash(cfg: DictConfig) -> str:
    """Identifies the job's settings; records of a resumed run must carry the same hash."""
    return content_hash(OmegaConf.to_container(cfg, resolve=True))


def row_key(prompt_id: str, strength: float) -> tuple[str, float]:
    return (prompt_id, float(strength))


def finished_rows(path: Path, job_hash: str) -> set[tuple[str, float]]:
    """Rows already recorded by an interrupted run of the same config (so they are skipped)."""
    done = set()
    for record in read_records(path):
        if record.get("config_hash") != job_hash:
            raise SteerError(
                f"{path} holds generations of a different config",
                "choose a new output directory (hydra.run.dir=...) so nothing is overwritten",
            )
        done.add(row_key(record["prompt_id"], record["strength"]))
    return done


def _record(
    row: Row, plan: SteeringPlan, seed: int, text: str, n_tokens: int, finish: str
) -> dict[str, Any]:
    return {
        "prompt_id": row.prompt.id,
        "prompt": row.prompt.text,
        "vector": plan.label,
        "layers": plan.layers,
        "site": plan.refs[0].site.value,
        "unit": plan.unit,
        "positions": plan.positions,
        "strength": row.strength,
        "seed": seed,
        "text": text,
        "n_tokens": n_tokens,
        "finish_reason": finish,
        "metrics": text_metrics(text),
    }


def run(cfg: DictConfig, output_dir: Path) -> dict[str, float]:
    """Generate every prompt at every strength, write the run files, return the metrics."""
    started = time.time()
    output_dir.mkdir(parents=True, exist_ok=True)
    model, vectors, plan, prompts = prepare(cfg)
    settings = GenerationSettings(**OmegaConf.to_container(cfg.generation))  # type: ignore[arg-type]
    strengths = with_baseline(cfg.steering.strengths)
    rows = [Row(prompt, strength) for prompt in prompts for strength in strengths]
    prompt_ids = {p.id: model.formatter.chat_ids(list(p.messages)) for p in prompts}
    log.info(
        "steering %s at layers %s (%s, unit %s) with strengths %s on %d prompts",
        plan.label,
        plan.layers,
        plan.positions,
        plan.unit,
        strengths,
        len(prompts),
    )
    path = output_dir / GENERATIONS
    job_hash = config_hash(cfg)
    done = finished_rows(path, job_hash)
    if done:
        log.info("resuming: %d of %d generations already recorded", len(done), len(rows))
    progress = tqdm(total=len(rows), initial=len(done), desc="generating", unit="gen", disable=None)
    with RecordWriter(path) as writer, progress:
        for index, batch in batches(rows, settings.batch_size):
            missing = [row_key(r.prompt.id, r.strength) not in done for r in batch]
            if not any(missing):
                continue
            # A batch is always regenerated whole, so its composition and seed (and so its
            # sampled outputs) are those of an uninterrupted run.
            seed = int(cfg.seed) + index
            outputs = generate_rows(
                model,
                [prompt_ids[row.prompt.id] for row in batch],
                [row.strength for row in batch],
                plan,
                settings,
                seed,
            )
            for row, out, needed in zip(batch, outputs, missing, strict=True):
                if needed:
                    record = _record(row, plan, seed, out.text, len(out.tokens), out.finish_reason)
                    writer.write({**record, "config_hash": job_hash})
            progress.update(sum(missing))
    summary = aggregate_by_strength(read_records(path))
    write_json(
        output_dir / "metrics.json",
        {"vector": plan.label, "layers": plan.layers, "unit": plan.unit, "by_strength": summary},
    )
    write_json(
        output_dir / "run.json",
        {
            "model": model_record(model),
            "vectors": {"names": vectors.names, "provenance": vectors.provenance},
            "steering": {"vector": plan.label, "layers": plan.layers, "strengths": strengths},
            "environment": environment(),
            "wall_time_s": round(time.time() - started, 2),
        },
    )
    return flat_metrics(summary)
