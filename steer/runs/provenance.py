"""What `run.json` records: versions, model, vector provenance, git commit."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from steer.models.loaded import LoadedModel

PACKAGES = (
    "steer",
    "torch",
    "transformers",
    "transformer-lens",
    "hydra-core",
    "omegaconf",
    "numpy",
)


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def version_changes(run_json: Path) -> list[str]:
    """One line per recorded package whose version now differs from what ``run_json`` saved
    (its first run and any resumptions), e.g. ``transformers: saved 5.23.0, now 5.25.0``."""
    if not run_json.is_file():
        return []
    try:
        document = json.loads(run_json.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return [f"{run_json} is not valid JSON: the saved package versions are unknown"]
    runs = [document, *document.get("resumed_by", [])]
    now = package_versions()
    changes = []
    for name in PACKAGES:
        saved = sorted(
            {
                str(v)
                for r in runs
                if (v := r.get("environment", {}).get("packages", {}).get(name)) is not None
            }
        )
        if saved and saved != [now[name]]:
            changes.append(f"{name}: saved {' and '.join(saved)}, now {now[name]}")
    return changes


def git_commit() -> dict[str, Any] | None:
    """The commit of the steer checkout in use, and whether it had uncommitted changes."""
    source = Path(__file__).resolve().parents[2]

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(source), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "host": platform.node(),
        "pid": os.getpid(),
        "platform": platform.platform(),
        "torch_threads": torch.get_num_threads(),
        "packages": package_versions(),
        "git": git_commit(),
    }


def model_record(model: LoadedModel) -> dict[str, Any]:
    return {
        "model_id": model.model_id,
        "weights_hash": model.weights_hash,
        "n_layers": model.n_layers,
        "d_model": model.d_model,
        "device": str(model.device),
        "dtype": str(next(model.hf.parameters()).dtype),
    }
