"""One vector at one layer over a strength grid: every prompt at every strength in batched
generations (per-row strengths, a prompt's strengths sharing a batch), each reply then scored
by the unsteered model, and the damage summarised per strength against strength 0."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from steer.calibration.damage import StrengthDamage
from steer.calibration.scoring import score_replies
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.metrics.text import repetition
from steer.models.loaded import LoadedModel
from steer.runs.episodes import batches
from steer.steering.plan import SteeringPlan
from steer.steering.probe import Probe
from steer.tasks.base import Episode

_CONTENT = re.compile(r"\w")


@dataclass(frozen=True)
class ReplyRow:
    """One prompt at one strength."""

    prompt_id: str
    strength: float
    text: str
    n_tokens: int
    finish_reason: str
    perplexity: float | None
    readout: float | None

    @property
    def empty(self) -> bool:
        return not _CONTENT.search(self.text)

    @property
    def repetition(self) -> float:
        return repetition(self.text)

    def record(self) -> dict[str, Any]:
        return {
            "prompt_id": self.prompt_id,
            "strength": self.strength,
            "text": self.text,
            "n_tokens": self.n_tokens,
            "finish_reason": self.finish_reason,
            "perplexity": self.perplexity,
            "readout": self.readout,
            "repetition": round(self.repetition, 4),
            "empty": self.empty,
        }


def generate_grid(
    model: LoadedModel,
    prompts: Sequence[Episode],
    plan: SteeringPlan,
    strengths: Sequence[float],
    probe: Probe,
    settings: GenerationSettings,
    seed: int,
) -> list[ReplyRow]:
    """Every prompt at every strength (0 included by the caller), scored unsteered."""
    rows: list[ReplyRow] = []
    for index, batch in enumerate(batches(prompts, strengths, settings.batch_size)):
        ids = [model.formatter.chat_ids(list(row.episode.messages)) for row in batch]
        replies = generate_rows(
            model, ids, [row.strength for row in batch], plan, settings, seed + index
        )
        pairs = [(prompt, reply.tokens) for prompt, reply in zip(ids, replies, strict=True)]
        scores = score_replies(model, pairs, probe, settings.batch_size)
        for row, reply, score in zip(batch, replies, scores, strict=True):
            rows.append(
                ReplyRow(
                    row.episode.id,
                    row.strength,
                    reply.text,
                    len(reply.tokens),
                    reply.finish_reason,
                    score.perplexity,
                    score.readout,
                )
            )
    return rows


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _rate(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def summarise(rows: Sequence[ReplyRow], strengths: Sequence[float]) -> list[StrengthDamage]:
    """Per strength: effect and damage against strength 0 of the same prompts."""
    baseline = {r.prompt_id: r for r in rows if r.strength == 0.0}
    base_rows = list(baseline.values())
    base_effect = _mean([r.readout for r in base_rows])
    base_repetition = fmean(r.repetition for r in base_rows)
    base_empty = _rate([r.empty for r in base_rows])
    base_truncated = _rate([r.finish_reason == "length" for r in base_rows])
    summaries = []
    for strength in sorted(strengths):
        chosen = [r for r in rows if r.strength == strength]
        log_ratios = [
            math.log(r.perplexity / baseline[r.prompt_id].perplexity)  # type: ignore[operator]
            for r in chosen
            if not r.empty
            and not baseline[r.prompt_id].empty
            and r.perplexity is not None
            and baseline[r.prompt_id].perplexity is not None
        ]
        effect = _mean([r.readout for r in chosen])
        summaries.append(
            StrengthDamage(
                strength=strength,
                n=len(chosen),
                effect=_rounded(effect),
                effect_delta=_rounded(
                    None if effect is None or base_effect is None else effect - base_effect
                ),
                perplexity_ratio=_rounded(math.exp(fmean(log_ratios)) if log_ratios else None),
                repetition=round(fmean(r.repetition for r in chosen) - base_repetition, 4),
                empty_rate=round(_rate([r.empty for r in chosen]) - base_empty, 4),
                truncated_rate=round(
                    _rate([r.finish_reason == "length" for r in chosen]) - base_truncated, 4
                ),
            )
        )
    return summaries


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
