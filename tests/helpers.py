"""Small helpers shared by the tests."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch

from steer.activations import capturing
from steer.choices import Site
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.vectors.norms import default_layer
from steer.vectors.vector_set import VectorSet

PLANTED = "<script>alert(1)</script>"
# Where the device-aware tests put their models (docs/gpu.md: the first GPU run's checks).
TEST_DEVICE = os.environ.get("STEER_TEST_DEVICE", "cpu")
STEER = str(Path(sys.executable).with_name("steer"))
# A two-job sweep on the tiny model: one prompt per batch (3 strengths per prompt), generations
# long enough for a job to be killed halfway.
SLOW_SWEEP = [
    "debug=tiny", "vectors.reference_limit=4", "generation.batch_size=3",
    "generation.max_new_tokens=24", "steering.layers=[1],[2]",
]  # fmt: skip


# A cheap `steer run` on the tiny model: two prompts, 4 new tokens.
TINY = [
    "debug=tiny",
    "vectors.reference_limit=4",
    "generation.max_new_tokens=4",
    "task.prompts=[Hello there.,How are you?]",
]


def steer(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The console script as a user runs it (one-line errors: HYDRA_FULL_ERROR off)."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(
        [STEER, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def records(path: Path) -> list[dict[str, Any]]:
    """The complete records of a generations file (a torn last line left out)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, float], str]:
    """{(prompt, strength): reply}."""
    return {(r["prompt_id"], r["strength"]): r["text"] for r in rows}


def kill_sweep_inside_job_0(args: list[str], sweep: Path, cwd: Path) -> list[dict[str, Any]]:
    """Start ``steer run -m *args`` into ``sweep``, SIGKILL it and every process it started
    (launcher, job processes) once job 0 has written 6 of its 18 records; return job 0's kept
    records."""
    command = [STEER, "run", "-m", *args, f"hydra.sweep.dir={sweep}"]
    process = subprocess.Popen(
        command, cwd=cwd, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    first_job = sweep / "0" / "generations.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and (not first_job.is_file() or len(records(first_job)) < 6):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return records(first_job)


def _row(record: dict[str, Any]) -> tuple[str, float]:
    return (record["prompt_id"], record["strength"])


def same_records_per_job(sweep: Path, reference: Path, jobs: int = 2) -> None:
    """Every job of ``sweep`` holds exactly the records of the same job of ``reference``
    (every field; nothing missing or duplicated)."""
    for job in map(str, range(jobs)):
        mine = records(sweep / job / "generations.jsonl")
        theirs = records(reference / job / "generations.jsonl")
        assert len(mine) == len(theirs), job
        assert sorted(mine, key=_row) == sorted(theirs, key=_row), job


@contextmanager
def all_layer_outputs(model: LoadedModel) -> Iterator[dict[HookRef, torch.Tensor]]:
    with capturing(model, [HookRef(layer) for layer in range(model.n_layers)]) as captured:
        yield captured


def count_hooks(model: LoadedModel) -> int:
    """Every forward hook left on the plain model, the bridged model and the bridge."""
    modules = [*model.hf.modules(), *model.bridged_hf.modules(), *model.bridge.hook_dict.values()]
    total = 0
    for module in modules:
        total += len(module._forward_hooks) + len(module._forward_pre_hooks)
        total += len(getattr(module, "fwd_hooks", []))
    return total


def random_vector_set(model: LoadedModel, names: list[str], seed: int = 3) -> VectorSet:
    """Random vectors at every layer, layer norms 1, 2, ..., made "on" ``model``."""
    generator = torch.Generator().manual_seed(seed)
    return VectorSet(
        names=names,
        vectors=torch.randn(len(names), model.n_layers, model.d_model, generator=generator),
        layer_norms=torch.arange(1, model.n_layers + 1, dtype=torch.float32),
        site=Site.resid_post,
        default_layer=default_layer(model.n_layers),
        provenance={"model_id": model.model_id, "weights_hash": model.weights_hash},
        reference_mean=torch.randn(model.n_layers, model.d_model, generator=generator) * 0.1,
    )


def import_repeng() -> ModuleType:
    """repeng 0.4.0, the newest release, on NumPy 2.

    It declares numpy<2 (so it is installed with --no-deps) only because three of its type
    annotations name ``np.float_``, which NumPy 2 removed; they are evaluated once, when its
    module is imported. The alias is lent for that import and taken back after it.
    """
    lent = not hasattr(np, "float_")
    if lent:
        np.float_ = np.float64  # type: ignore[attr-defined]
    try:
        return importlib.import_module("repeng")
    finally:
        if lent:
            del np.float_  # type: ignore[attr-defined]


TINY_RUN = [
    "debug=tiny",
    "vectors.reference_limit=4",
    "generation.max_new_tokens=3",
    "task.prompts=[Hello there.,How are you?]",
]


def tiny_run(out: Path, *overrides: str) -> Path:
    """A finished `steer run` on the tiny model (2 prompts x 3 strengths) into ``out``,
    in-process."""
    from steer.cli.config_errors import compose_config
    from steer.jobs.run import run

    every = [*TINY_RUN, *overrides]
    run(compose_config(every), out, every)
    return out


def task_record(
    prompt_id: str, strength: float, passed: bool, n_attempts: int, variant: str
) -> dict[str, Any]:
    """A coding-task record as the runner writes it, with readouts after every attempt."""
    attempts = [
        {
            "attempt": number,
            "text": f"attempt {number} at {strength:+g}: def f(): return {number}",
            "n_tokens": 10 + number,
            "finish_reason": "eos",
            "metrics": {"passed": float(passed and number == n_attempts), "has_code": 1.0},
            "labels": [],
            "readouts": {
                "prompt_last": {"desperate": strength * number, "calm": -strength * number},
                "reply_mean": {"desperate": 0.0, "calm": 0.0},
            },
        }
        for number in range(1, n_attempts + 1)
    ]
    return {
        "prompt_id": prompt_id,
        "prompt": f"Write f for {prompt_id}.",
        "info": {"variant": variant},
        "vector": "desperate",
        "layers": [10, 20],
        "strength": strength,
        "text": attempts[-1]["text"],
        "n_tokens": attempts[-1]["n_tokens"],
        "finish_reason": "eos",
        "metrics": {"passed": float(passed), "cheated": float(passed), "attempts": n_attempts},
        "labels": ["hardcoded"] if passed else [],
        "attempts": attempts,
    }


def write_task_run(run_dir: Path) -> list[dict[str, Any]]:
    """Six prompts at strengths 0 and 0.5: steering makes every prompt pass, later."""
    records = [
        task_record(f"t{i}", strength, passed=strength > 0 or i == 0, n_attempts=3 if strength
                    else 2, variant="oneoff" if i % 2 else "conflicting")
        for i in range(6)
        for strength in (0.0, 0.5)
    ]  # fmt: skip
    run_dir.mkdir(parents=True)
    (run_dir / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run_dir / "metrics.json").write_text(json.dumps({"task": "impossible_code"}))
    return records
