"""Finding the runs under a path and loading their records as long tables.

A run is every directory under the path (the path itself included) that holds
``generations.jsonl``: one ``steer run`` directory, or each job directory of a sweep
(``results/sweeps/<date>/<time>/0``, ``1``, ...). Only complete records are read (a torn last
line, left by a run killed mid-write, is skipped), so a run still going can be compared.

Each record's numeric metrics are those ``steer.metrics.aggregate`` summarises (the task's
metrics plus ``n_tokens`` and ``eos_rate``, 1 when the reply ended with the end-of-sequence
token); a metric is a rate (kind ``rate``) where the run's task declares it one
(``steer.tasks.declarations``: the task class its saved config names, else its task's name),
else a mean (kind ``mean``: declared means and counts, and undeclared metrics).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from steer.errors import SteerError
from steer.json_files import has_torn_tail
from steer.metrics.aggregate import _numeric as record_metrics
from steer.metrics.declared import MetricKind, TaskMetrics, with_run_metrics
from steer.run_records import GENERATIONS, METRICS, read_run_records, refuse_duplicates
from steer.tasks.declarations import by_name, by_target

OVERALL = ""  # group_key and group_value of the rows over all records
READOUT_PLACE = "prompt_last"
METRIC_COLUMNS = [
    "run", "task", "vector", "layers", "group_key", "group_value", "strength", "prompt_id",
    "metric", "kind", "value",
]  # fmt: skip
READOUT_COLUMNS = ["vector", "layers", "strength", "prompt_id", "attempt", "emotion", "value"]


@dataclass(frozen=True)
class Run:
    name: str  # the run directory relative to the compared path; "." for the path itself
    path: Path
    task: str  # metrics.json's "task"; "" while the run has not finished
    records: list[dict[str, Any]]
    declared: TaskMetrics  # the task's metrics and the run's own
    # Why the run's statistics are partial (no metrics.json, a torn last line); empty if whole.
    incomplete: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """The name shown in titles: the directory's own name for the compared path itself."""
        return self.path.name if self.name == "." else self.name


def _natural_key(path: Path) -> list[tuple[int, int | str]]:
    """Sort job directories 0, 1, 2, ..., 10 rather than 0, 1, 10, 2."""
    return [
        (0, int(piece)) if piece.isdigit() else (1, piece)
        for part in path.parts
        for piece in re.split(r"(\d+)", part)
        if piece
    ]


def find_runs(root: Path) -> list[Path]:
    """Every directory under ``root`` (``root`` included) holding a generations file."""
    found = {p.parent for p in root.rglob(GENERATIONS) if p.is_file()}
    return sorted(found, key=lambda p: _natural_key(p.relative_to(root)))


def _task_name(run_dir: Path) -> str:
    try:
        metrics = json.loads((run_dir / METRICS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    task = metrics.get("task") if isinstance(metrics, dict) else None
    return str(task) if task else ""


def _task_target(run_dir: Path) -> str | None:
    """The task class the run's saved config names (``task._target_``), if it names one."""
    try:
        saved = OmegaConf.load(run_dir / ".hydra" / "config.yaml")
        target = OmegaConf.select(saved, "task._target_", throw_on_resolution_failure=False)
    except Exception:  # no saved config, or not one steer wrote: fall back to the task's name
        return None
    return str(target) if isinstance(target, str) else None


def declared_metrics(run_dir: Path, task: str) -> TaskMetrics:
    """The metrics the run's task declares, with the run's own."""
    target = _task_target(run_dir)
    declared = by_target(target) if target else None
    if declared is None and task:
        declared = by_name(task)
    return with_run_metrics(declared)


def incompleteness(run_dir: Path) -> tuple[str, ...]:
    """Why a run directory's records are not a finished run's, in words."""
    reasons = []
    if not (run_dir / METRICS).is_file():
        reasons.append(f"no {METRICS} (the run was stopped, failed, or is still going)")
    if has_torn_tail(run_dir / GENERATIONS):
        reasons.append(f"the last line of {GENERATIONS} is cut short (skipped)")
    return tuple(reasons)


def load_run(run_dir: Path, root: Path) -> Run:
    """A run's complete records; a SteerError for a damaged line or for a (prompt, strength)
    pair recorded twice (it would count twice in every statistic)."""
    path = run_dir / GENERATIONS
    records = list(read_run_records(path))
    refuse_duplicates(records, path)
    name = run_dir.relative_to(root).as_posix()
    task = _task_name(run_dir)
    declared = declared_metrics(run_dir, task)
    return Run(name, run_dir, task, records, declared, incompleteness(run_dir))


def load_runs(root: Path) -> list[Run]:
    """The runs under ``root``; a SteerError when there are none."""
    runs = [load_run(run_dir, root) for run_dir in find_runs(root)]
    if not runs:
        raise SteerError(
            f"no run under {root}: no {GENERATIONS} in it or below it",
            "pass a directory `steer run` wrote (a run, or a sweep with job directories)",
        )
    return runs


def layers_label(layers: Sequence[int] | int) -> str:
    """``[10, 20]`` -> ``"10,20"``."""
    if isinstance(layers, int):
        return str(layers)
    return ",".join(str(layer) for layer in layers)


def groups(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The groups a record counts in: overall, then one per ``info`` key (value as text)."""
    info = record.get("info") or {}
    return [(OVERALL, OVERALL), *((str(k), str(v)) for k, v in sorted(info.items()))]


def metric_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """One row per run x record x group x metric (NaN values left out): the long table the
    summary is built from."""
    rows: list[tuple[Any, ...]] = []
    for run in runs:
        for record in run.records:
            key = (run.name, run.task, str(record["vector"]), layers_label(record["layers"]))
            values = record_metrics(record)
            for group_key, group_value in groups(record):
                for metric, value in values.items():
                    kind = "rate" if run.declared.kind(metric) is MetricKind.RATE else "mean"
                    strength, prompt = float(record["strength"]), str(record["prompt_id"])
                    rows.append(
                        (*key, group_key, group_value, strength, prompt, metric, kind, value)
                    )
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return frame.dropna(subset=["value"]).reset_index(drop=True)  # a NaN score is no score


def readout_frame(run: Run) -> pd.DataFrame:
    """One row per record x attempt x emotion: the readout at the last prompt token."""
    rows: list[tuple[Any, ...]] = []
    for record in run.records:
        key = (str(record["vector"]), layers_label(record["layers"]), float(record["strength"]))
        for attempt in record.get("attempts", []):
            readings = (attempt.get("readouts") or {}).get(READOUT_PLACE) or {}
            for emotion, value in readings.items():
                number = int(attempt["attempt"])
                rows.append((*key, str(record["prompt_id"]), number, str(emotion), float(value)))
    return pd.DataFrame(rows, columns=READOUT_COLUMNS)
