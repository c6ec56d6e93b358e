"""The replies ``steer inspect`` reads: each prompt generated at strength 0 and at the steered
strength as ``steer run`` generates them (one batch, a strength per row), recorded in
``generations.jsonl`` and ``metrics.json`` in the run's format, so ``steer compare`` can show
them beside the figures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from omegaconf import DictConfig
from tqdm.auto import tqdm

from steer.inspect.inspection import Transcript
from steer.inspect.settings import Reply
from steer.json_files import RecordWriter, write_json
from steer.metrics.aggregate import aggregate_by_strength
from steer.models.prompts import PromptFormatter
from steer.run_records import GENERATIONS, METRICS, read_run_records
from steer.runs.episodes import Played, batches, play
from steer.runs.setup import Prepared, episode_record, inputs_hash, job_hash
from steer.tasks.base import Episode


@dataclass(frozen=True)
class Pair:
    """One episode played unsteered and steered (every attempt)."""

    episode: Episode
    baseline: Played
    steered: Played

    def texts(self) -> dict[str, str]:
        return {
            "baseline": self.baseline.attempts[-1].reply.text,
            "steered": self.steered.attempts[-1].reply.text,
        }


def generate_pairs(
    cfg: DictConfig, ready: Prepared, strength: float, output_dir: Path
) -> list[Pair]:
    """Play every episode at 0 and ``strength``; write the records and metrics as a run does."""
    strengths = sorted({0.0, strength})
    hash_ = job_hash(cfg, ready)
    workers = int(cfg.sandbox.workers)
    played: dict[tuple[str, float], Played] = {}
    rows = tqdm(total=len(ready.prompts) * 2, desc="generating", unit="row", disable=None)
    with RecordWriter(output_dir / GENERATIONS) as writer, rows:
        chunks = batches(ready.prompts, strengths, ready.settings.batch_size)
        for index, batch in enumerate(chunks):
            seed = int(cfg.seed) + index
            results = play(
                ready.model, ready.task, batch, ready.plan, ready.settings, seed, ready.reader,
                workers,
            )  # fmt: skip
            for result in results:
                writer.write(episode_record(ready.task, result, ready.plan, seed, hash_))
                played[(result.row.episode.id, result.row.strength)] = result
            rows.update(len(batch))
    write_json(
        output_dir / METRICS,
        {
            "task": ready.task.name,
            "inputs_hash": inputs_hash(cfg, ready.task, ready.prompts),
            "vector": ready.plan.label,
            "layers": ready.plan.layers,
            "unit": ready.plan.unit,
            "by_strength": aggregate_by_strength(
                list(read_run_records(output_dir / GENERATIONS)), ready.task.metrics
            ),
        },
    )
    return [Pair(e, played[(e.id, 0.0)], played[(e.id, strength)]) for e in ready.prompts]


def transcripts(
    episodes: Sequence[Episode],
    pairs: Sequence[Pair] | None,
    reply: Reply,
    formatter: PromptFormatter,
) -> list[Transcript]:
    """Per episode: the last attempt's prompt and the chosen reply, or the prompt alone."""
    if reply == "none" or pairs is None:
        return [Transcript(e.id, formatter.chat_ids(list(e.messages)), []) for e in episodes]
    chosen = [pair.steered if reply == "steered" else pair.baseline for pair in pairs]
    return [
        Transcript(
            p.row.episode.id, formatter.chat_ids(p.conversation), list(p.attempts[-1].reply.tokens)
        )
        for p in chosen
    ]
