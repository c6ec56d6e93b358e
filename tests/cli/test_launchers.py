"""Scale-out launchers run for real on the tiny model, each held to the basic launcher's records:
submitit's local executor (each job pickled and run in its own process exactly as on SLURM),
in a sweep killed inside its first job and re-launched; and Ray (a local Ray with 2 CPUs
started by the launcher). The sweep's summary comes from the process that launched it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    SLOW_SWEEP,
    keyed,
    kill_sweep_inside_job_0,
    records,
    same_records_per_job,
    steer,
)

pytestmark = pytest.mark.launchers
SUBMITIT = ["hydra/launcher=submitit_local", *SLOW_SWEEP]
RAY = ["hydra/launcher=ray", "hydra.launcher.ray.init.num_cpus=2", *SLOW_SWEEP]


def sweep_through(args: list[str], sweep: Path) -> subprocess.CompletedProcess[str]:
    result = steer("run", "-m", *args, f"hydra.sweep.dir={sweep}", cwd=sweep.parent)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def assert_sweep_summary(printed: str, sweep: Path) -> None:
    """The launching process printed the sweep's summary (Ray forwards the jobs' own output
    asynchronously, so it may come after it)."""
    assert "prompts: a sweep of 2 jobs" in printed
    assert "0 steering.layers=[1]" in printed and "1 steering.layers=[2]" in printed
    assert f"next: steer compare {sweep}   (summary.csv" in printed


def test_a_submitit_sweep_killed_inside_job_0_resumes_to_the_basic_launchers_records(
    basic_sweep: Path, tmp_path: Path
) -> None:
    sweep = tmp_path / "submitit"
    kept = kill_sweep_inside_job_0(SUBMITIT, sweep, cwd=tmp_path)
    assert 6 <= len(kept) < 18, "the kill should land inside job 0"
    assert not (sweep / "0" / "metrics.json").exists()

    result = sweep_through(SUBMITIT, sweep)
    same_records_per_job(sweep, basic_sweep)
    kept_now = keyed(records(sweep / "0" / "generations.jsonl"))
    assert keyed(kept).items() <= kept_now.items()  # kept records untouched
    jobs = {p.parent.name for p in (sweep / ".submitit").glob("*/*_log.out")}
    assert len(jobs) == 4  # each job ran as a submitit job, then again when re-launched
    assert_sweep_summary(result.stdout, sweep)


def test_ray_writes_the_records_of_the_basic_launcher(basic_sweep: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "ray"
    result = sweep_through(RAY, sweep)
    same_records_per_job(sweep, basic_sweep)
    assert "Started a local Ray instance" in result.stderr
    assert "'num_cpus': 2" in result.stdout + result.stderr
    assert_sweep_summary(result.stdout, sweep)
