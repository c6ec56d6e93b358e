"""Which coding problems a model solves: recorded pass lists, so impossible variants can be drawn
from problems the model could nearly do (the paper calibrated its tasks to the model).

A list comes from a calibration run (``task.variants=[original]``, every problem, one attempt):
:func:`pass_list_from_run` reads its ``generations.jsonl``. Lists for the embedded models ship in
``steer/data/solvable/<name>.json``; ``task.solvable`` takes such a name, a JSON file of the same
shape, or a run directory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from steer.errors import SteerError
from steer.json_files import read_records
from steer.resources import DATA

SOLVABLE_DIR = DATA / "solvable"


@dataclass(frozen=True)
class PassList:
    """The problems (task ids) a model passed on their original tests."""

    model_id: str
    passed: frozenset[str]
    attempted: int
    source: str


def pass_list_from_run(run_dir: Path) -> dict[str, Any]:
    """A shippable pass list (JSON-ready) from a calibration run's directory."""
    generations = run_dir / "generations.jsonl"
    run_json = run_dir / "run.json"
    if not generations.is_file() or not run_json.is_file():
        raise SteerError(
            f"{run_dir} is not a finished run (no generations.jsonl or run.json)",
            "give the directory of a finished calibration run",
        )
    records = list(read_records(generations, ("prompt_id", "strength", "metrics")))
    originals = [
        r
        for r in records
        if r.get("info", {}).get("variant") == "original" and float(r["strength"]) == 0.0
    ]
    if not originals:
        raise SteerError(
            f"{run_dir} holds no unsteered episodes on the original tests",
            "calibrate with task=impossible_code task.variants=[original] task.problems=null",
        )
    attempted = sorted({str(r["prompt_id"]).split(":")[0] for r in originals}, key=_task_order)
    passed = sorted(
        {str(r["prompt_id"]).split(":")[0] for r in originals if r["metrics"]["passed"] == 1.0},
        key=_task_order,
    )
    model = json.loads(run_json.read_text())["model"]
    return {
        "model_id": model["model_id"],
        "weights_hash": model["weights_hash"],
        "attempted": len(attempted),
        "passed": passed,
        "pass_rate": round(len(passed) / len(attempted), 4),
    }


def _task_order(task_id: str) -> tuple[str, int]:
    prefix, _, number = task_id.rpartition("/")
    return (prefix, int(number)) if number.isdigit() else (task_id, -1)


def load_pass_list(source: str) -> PassList:
    """A shipped list by name (``qwen25_coder_05b_instruct``), a JSON file, or a run directory."""
    shipped = SOLVABLE_DIR / f"{source}.json"
    path = shipped if shipped.is_file() else Path(source).expanduser()
    if path.is_dir():
        return _pass_list(pass_list_from_run(path), source)
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in SOLVABLE_DIR.glob("*.json"))) or "none"
        raise SteerError(
            f"task.solvable={source} is neither a shipped pass list nor a file or run directory",
            f"use one of the shipped lists ({names}) or a calibration run's directory",
        )
    try:
        return _pass_list(json.loads(path.read_text(encoding="utf-8")), source)
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as error:
        raise SteerError(
            f"task.solvable={source}: {path} is not a pass list ({type(error).__name__}: {error})",
            "give a shipped name, a JSON file with model_id, attempted and passed, "
            "or a calibration run's directory",
        ) from None


def _pass_list(listing: dict[str, Any], source: str) -> PassList:
    return PassList(
        model_id=str(listing["model_id"]),
        passed=frozenset(str(t) for t in listing["passed"]),
        attempted=int(listing["attempted"]),
        source=source,
    )
