"""What tells the jobs of a sweep apart: the overrides whose value differs between them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from omegaconf import OmegaConf

from steer.compare.load import Run

OVERRIDES = Path(".hydra") / "overrides.yaml"


def overrides(run: Run) -> dict[str, str]:
    """The run's command-line overrides as {key: value} (empty when none were saved)."""
    path = run.path / OVERRIDES
    if not path.is_file():
        return {}
    try:
        saved = OmegaConf.to_container(OmegaConf.load(path))
    except (OSError, ValueError):
        return {}
    pairs = [str(item).split("=", 1) for item in saved] if isinstance(saved, list) else []
    return {pair[0]: pair[1] for pair in pairs if len(pair) == 2}


def job_labels(runs: Sequence[Run]) -> dict[str, str]:
    """{run name: "0 steering.layers=[1]"}: the job's name and the overrides that differ
    between the runs (only the name when none do)."""
    saved = {run.name: overrides(run) for run in runs}
    keys = list(dict.fromkeys(key for found in saved.values() for key in found))
    varying = [k for k in keys if len({found.get(k) for found in saved.values()}) > 1]
    labels = {}
    for run in runs:
        parts = [f"{k}={saved[run.name][k]}" for k in varying if k in saved[run.name]]
        labels[run.name] = " ".join([run.label, *parts])
    return labels
