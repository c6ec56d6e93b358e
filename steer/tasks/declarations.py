"""A task's declared metrics (``steer.metrics.declared``), found from what a run saved.

A run's saved config names its task class (``task._target_``): its ``metrics`` are the
declaration, so a task in any module is found with no list to update. Records without a
config (hand-made test runs) are matched by the task's name (``metrics.json``'s ``task``)
against the task classes of this package.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from steer.metrics.declared import TaskMetrics

__all__ = ["by_name", "by_target"]


def _declared(cls: Any) -> TaskMetrics | None:
    metrics = getattr(cls, "metrics", None)
    return metrics if isinstance(metrics, TaskMetrics) else None


@cache
def by_target(target: str) -> TaskMetrics | None:
    """The ``metrics`` of the class a config's ``_target_`` names; None if it cannot be
    imported or declares none."""
    module_name, _, attribute = target.rpartition(".")
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return _declared(getattr(module, attribute, None))


@cache
def by_name(name: str) -> TaskMetrics | None:
    """The declaration of the task class of this package whose ``name`` is ``name``."""
    import steer.tasks

    for info in pkgutil.iter_modules(steer.tasks.__path__):
        module = importlib.import_module(f"steer.tasks.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and getattr(value, "name", None) == name:
                declared = _declared(value)
                if declared is not None:
                    return declared
    return None
