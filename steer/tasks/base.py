"""What a task is: the episodes to play and how each reply is scored.

An episode starts from a conversation. The model replies; the task scores the reply. When the
score carries ``feedback`` and attempts remain (``max_attempts``), the reply and the feedback
are appended to the conversation and the model tries again, so a run records every attempt.
After the last attempt the task turns the attempts' scores into the episode's outcome.

Metrics are numbers aggregated per steering strength. A task declares them (``metrics``: each
one's kind, rate / mean / count, its direction and words, and the task's headline metrics;
``steer.metrics.declared``): a rate is reported with a 95% Wilson interval, a mean with a
Student t interval. ``labels`` are counted per strength (e.g. cheat
types). ``Episode.info`` holds grouping labels (e.g. ``{"variant": "oneoff"}``): metrics are
also broken down by each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from steer.metrics.declared import TaskMetrics
from steer.models.prompts import Message


@dataclass(frozen=True)
class Episode:
    id: str
    messages: tuple[Message, ...]
    info: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The last message: what the model was asked."""
        return self.messages[-1]["content"]


@dataclass(frozen=True)
class Score:
    """How one reply (one attempt) did.

    ``metrics``: numeric, aggregated per strength. ``details``: recorded as they are (the
    extracted code, the sandbox verdict, which classifier rule matched). ``labels``: counted per
    strength. ``feedback``: the next user turn if the attempt failed and may be retried.
    """

    metrics: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)
    labels: tuple[str, ...] = ()
    feedback: str | None = None


class Task(Protocol):
    name: str
    metrics: ClassVar[TaskMetrics]  # every metric its scores hold, and its headline
    max_attempts: int

    def episodes(self) -> list[Episode]:
        """Every episode, in a fixed order, with unique ids; bad input raises SteerError."""
        ...

    def score(self, episode: Episode, reply: str, attempt: int) -> Score:
        """Score one reply; ``attempt`` counts from 1."""
        ...

    def outcome(self, episode: Episode, attempts: Sequence[Score]) -> Score:
        """The episode's result from the scores of all its attempts (no feedback)."""
        ...


def last_attempt_outcome(attempts: Sequence[Score]) -> Score:
    """The usual outcome: the last attempt's metrics and labels."""
    last = attempts[-1]
    return Score(dict(last.metrics), labels=last.labels)
