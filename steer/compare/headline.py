"""The headline metrics of the compared runs: the answer a run leads with.

Each task declares its own (``steer.metrics.declared``, ``TaskMetrics.headline``); the terminal
summary after ``steer run``, the first section of ``report.html`` and its headline figures read
them from the runs' declarations.
"""

from __future__ import annotations

from collections.abc import Sequence

from steer.compare.load import Run
from steer.metrics.declared import TaskMetrics, combined


def declared(runs: Sequence[Run]) -> TaskMetrics:
    """The runs' declarations as one (a sweep's jobs share theirs; mixed tasks are merged)."""
    return combined([run.declared for run in runs])


def headline_metrics(declaration: TaskMetrics, present: Sequence[str]) -> list[str]:
    """The declared headline metrics (in order) that are among ``present``; when none is,
    the first metric present."""
    return declaration.headline_present(present) or list(present[:1])
