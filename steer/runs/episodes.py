"""Playing a batch of episodes through their attempts.

Every row (an episode at one strength) starts from the episode's conversation. Each attempt is
one batched generation over the rows still going, each row with its own strength; a reply the
task sends feedback on is appended to that row's conversation with the feedback, and the row
goes again until it stops or ``max_attempts`` is reached.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from steer.generation import Generated, generate_rows
from steer.generation_settings import GenerationSettings
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.steering.plan import SteeringPlan
from steer.tasks.base import Episode, Score, Task
from steer.transcript_readouts import Readings, TranscriptReader

ATTEMPT_SEED_STRIDE = 10_000  # attempt k of a batch samples with seed + (k - 1) * stride


@dataclass(frozen=True)
class Row:
    episode: Episode
    strength: float


@dataclass
class Attempt:
    number: int
    reply: Generated
    score: Score
    readings: Readings | None

    def record(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "attempt": self.number,
            "text": self.reply.text,
            "n_tokens": len(self.reply.tokens),
            "finish_reason": self.reply.finish_reason,
            "metrics": self.score.metrics,
            "labels": list(self.score.labels),
            **self.score.details,
        }
        if self.readings is not None:
            entry["readouts"] = self.readings
        if self.reply.trigger is not None:
            entry["trigger"] = self.reply.trigger
        return entry


@dataclass
class Played:
    row: Row
    attempts: list[Attempt] = field(default_factory=list)
    conversation: list[Message] = field(default_factory=list)


def batches(
    prompts: Sequence[Episode], strengths: Sequence[float], size: int
) -> Iterator[list[Row]]:
    """Whole prompts per batch: a prompt's strengths (baseline included) always share a batch,
    so they share one seed; ``size`` caps the rows, but never below one prompt's strengths."""
    per_batch = max(1, size // len(strengths))
    for start in range(0, len(prompts), per_batch):
        yield [Row(p, s) for p in prompts[start : start + per_batch] for s in strengths]


def _score_all(task: Task, jobs: list[tuple[Episode, str, int]], workers: int) -> list[Score]:
    """Scores in order; scoring may run model code in the sandbox, so a few run at once."""
    if workers <= 1 or len(jobs) <= 1:
        return [task.score(*job) for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda job: task.score(*job), jobs))


def play(
    model: LoadedModel,
    task: Task,
    rows: Sequence[Row],
    plan: SteeringPlan,
    settings: GenerationSettings,
    seed: int,
    reader: TranscriptReader | None = None,
    workers: int = 1,
) -> list[Played]:
    played = [Played(row, conversation=list(row.episode.messages)) for row in rows]
    going = list(played)
    for number in range(1, task.max_attempts + 1):
        prompts = [model.formatter.chat_ids(p.conversation) for p in going]
        replies = generate_rows(
            model,
            prompts,
            [p.row.strength for p in going],
            plan,
            settings,
            seed + (number - 1) * ATTEMPT_SEED_STRIDE,
        )
        jobs = [(p.row.episode, r.text, number) for p, r in zip(going, replies, strict=True)]
        scores = _score_all(task, jobs, workers)
        readings: list[Readings | None] = [None] * len(going)
        if reader is not None:
            readings = list(
                reader.read([(q, r.tokens) for q, r in zip(prompts, replies, strict=True)])
            )
        still_going = []
        for episode, reply, score, reading in zip(going, replies, scores, readings, strict=True):
            episode.attempts.append(Attempt(number, reply, score, reading))
            if score.feedback is not None and number < task.max_attempts:
                episode.conversation += [
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": score.feedback},
                ]
                still_going.append(episode)
        going = still_going
        if not going:
            break
    return played
