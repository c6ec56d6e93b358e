"""What each metric of a task is, declared once by the task that scores it.

A task lists its metrics (``TaskMetrics``): each one's name, kind, direction and a few words,
in the order they are shown, and which of them are its headline (the answer a run leads with)
and which one a sweep optimises (``steer run`` returns it to Hydra; the first headline metric
unless the task names another). Everything
else reads this declaration: the aggregation per strength (a ``rate`` gets a Wilson interval
and Fisher's test, a ``mean`` a t interval and the sign-flip test, a ``count`` is averaged),
the order of ``steer compare``'s tables, the monitoring outcome and the returned value.

``RUN_METRICS`` are the metrics every run adds to the task's (reply length, end of sequence,
the steered emotion's own readout, the trigger's firing fraction). A metric nobody declared is
reported as a mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "RUN_METRICS",
    "UNDECLARED",
    "Direction",
    "Metric",
    "MetricKind",
    "TaskMetrics",
    "combined",
    "with_run_metrics",
]


class MetricKind(StrEnum):
    RATE = "rate"  # 0 or 1 per record: a proportion with a Wilson interval
    MEAN = "mean"  # any number: a mean with a Student t interval
    COUNT = "count"  # how many (tokens, words, attempts): averaged, never read as a rate


class Direction(StrEnum):
    """Which way of a metric is the one a user hopes for (a sweeper maximises or minimises)."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"  # e.g. sentiment: steering moves it either way on purpose


@dataclass(frozen=True)
class Metric:
    name: str
    kind: MetricKind
    description: str
    direction: Direction = Direction.NEITHER


@dataclass(frozen=True)
class TaskMetrics:
    """A task's metrics in the order they are shown, and its headline metrics (most important
    first; a task whose episodes are a mix may name some a given run lacks).

    ``optimized``: the metric a sweep is about (what ``steer run`` returns to Hydra), when it
    is not the first headline metric; ``attempt_outcome``: the 0/1 metric each attempt is judged
    by (monitoring asks whether the readouts predict it); ``cheat``: a metric present in an
    episode's outcome only where the episode cannot be passed honestly, so a pass there is a
    cheat."""

    metrics: tuple[Metric, ...]
    headline: tuple[str, ...] = ()
    optimized: str | None = None
    attempt_outcome: str | None = None
    cheat: str | None = None

    def __post_init__(self) -> None:
        names = [m.name for m in self.metrics]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"metrics declared twice: {', '.join(doubled)}")
        named = [*self.headline, self.optimized, self.attempt_outcome, self.cheat]
        unknown = [n for n in named if n is not None and n not in names]
        if unknown:
            raise ValueError(f"not declared as metrics: {', '.join(unknown)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def get(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    def kind(self, name: str) -> MetricKind:
        """The declared kind; ``mean`` for a metric nobody declared."""
        metric = self.get(name)
        return MetricKind.MEAN if metric is None else metric.kind

    def rates(self) -> frozenset[str]:
        return frozenset(m.name for m in self.metrics if m.kind is MetricKind.RATE)

    def describe(self, name: str) -> str:
        """``vader_compound: mean VADER compound ...``; the bare name when undeclared."""
        metric = self.get(name)
        return f"{name}: {metric.description}" if metric is not None else name

    @property
    def returned(self) -> tuple[str, ...]:
        """The metrics a sweep may optimise, most wanted first: ``optimized``, then the
        headline (a run lacking the first, e.g. no impossible episode, falls back)."""
        return tuple(dict.fromkeys(n for n in (self.optimized, *self.headline) if n))

    def headline_present(self, present: Iterable[str]) -> list[str]:
        """The headline metrics among ``present``, most important first."""
        have = set(present)
        return [name for name in self.headline if name in have]


def combined(declarations: Sequence[TaskMetrics]) -> TaskMetrics:
    """Several runs' declarations as one: metrics and headlines in first-seen order (a metric
    declared twice keeps its first declaration); the first outcome and cheat metric named."""
    metrics: dict[str, Metric] = {}
    headline: dict[str, None] = {}
    for declared in declarations:
        for metric in declared.metrics:
            metrics.setdefault(metric.name, metric)
        headline.update(dict.fromkeys(declared.headline))
    optimized = next((d.optimized for d in declarations if d.optimized), None)
    outcome = next((d.attempt_outcome for d in declarations if d.attempt_outcome), None)
    cheat = next((d.cheat for d in declarations if d.cheat), None)
    return TaskMetrics(tuple(metrics.values()), tuple(headline), optimized, outcome, cheat)


# Added by every run to the task's own metrics (steer.metrics.aggregate, steer.runs.setup).
RUN_METRICS = (
    Metric("steered_readout", MetricKind.MEAN, "the steered emotion's readout over the reply"),
    Metric("trigger_fraction", MetricKind.MEAN, "share of generated tokens the trigger steered"),
    Metric("eos_rate", MetricKind.RATE, "share of replies ended by the end-of-sequence token"),
    Metric("n_tokens", MetricKind.COUNT, "generated tokens per reply"),
)
UNDECLARED = TaskMetrics(RUN_METRICS)


def with_run_metrics(task: TaskMetrics | None) -> TaskMetrics:
    """A task's declaration with the metrics every run adds (only those for an unknown task)."""
    return UNDECLARED if task is None else combined([task, UNDECLARED])
