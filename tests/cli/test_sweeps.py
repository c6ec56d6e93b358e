"""Sweeps on the tiny model: the joblib launcher, a sweep killed halfway and re-launched, finished
jobs skipped, and `steer reproduce --check` over every job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

STEER = str(Path(sys.executable).with_name("steer"))
# one prompt per batch (3 strengths per prompt), long enough generations to be killed mid-job
SLOW = [
    "debug=tiny", "vectors.reference_limit=4", "generation.batch_size=3",
    "generation.max_new_tokens=24", "steering.layers=[1],[2]",
]  # fmt: skip


def steer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STEER, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def keyed(rows: list[dict]) -> dict:
    return {(r["prompt_id"], r["strength"]): r["text"] for r in rows}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sweep = tmp_path_factory.mktemp("sweeps") / "whole"
    result = steer("run", "-m", *SLOW, f"hydra.sweep.dir={sweep}", cwd=sweep.parent)
    assert result.returncode == 0, result.stderr
    return sweep


def test_a_killed_sweep_keeps_its_records_and_resumes_where_it_stopped(
    uninterrupted: Path, tmp_path: Path
) -> None:
    sweep = tmp_path / "killed"
    command = [STEER, "run", "-m", *SLOW, f"hydra.sweep.dir={sweep}"]
    process = subprocess.Popen(
        command, cwd=tmp_path, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    first_job = sweep / "0" / "generations.jsonl"
    deadline = time.time() + 300
    while time.time() < deadline and (not first_job.is_file() or len(records(first_job)) < 6):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = records(first_job)
    assert 6 <= len(kept) < 18, "the kill should land inside job 0"
    assert not (sweep / "0" / "metrics.json").exists()

    result = steer("run", "-m", *SLOW, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for job in ("0", "1"):
        resumed = records(sweep / job / "generations.jsonl")
        assert len(resumed) == 18  # 6 prompts x 3 strengths, nothing duplicated
        assert keyed(resumed) == keyed(records(uninterrupted / job / "generations.jsonl"))
    assert keyed(kept).items() <= keyed(records(first_job)).items()  # kept records untouched


def test_a_relaunched_finished_sweep_skips_every_job(uninterrupted: Path, tmp_path: Path) -> None:
    before = {job: (uninterrupted / job / "generations.jsonl").read_text() for job in ("0", "1")}
    result = steer("run", "-m", *SLOW, f"hydra.sweep.dir={uninterrupted}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    log = (uninterrupted / "0" / "run.log").read_text()
    assert "already holds this run, finished: skipped" in log
    for job, text in before.items():
        assert (uninterrupted / job / "generations.jsonl").read_text() == text


def test_a_refused_relaunch_with_another_config_changes_no_byte(
    uninterrupted: Path, tmp_path: Path
) -> None:
    import shutil

    sweep = Path(shutil.copytree(uninterrupted, tmp_path / "copy"))

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(sweep)): p.read_bytes() for p in sweep.rglob("*") if p.is_file()}

    before = snapshot()
    result = steer("run", "-m", *SLOW, "seed=7", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 2
    assert "holds a run of a different config" in result.stderr
    assert snapshot() == before  # multirun.yaml and every job's files included


def test_reproduce_check_re_runs_every_job_of_a_sweep(uninterrupted: Path, tmp_path: Path) -> None:
    result = steer("reproduce", "--check", str(uninterrupted), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 jobs: identical" in result.stdout
    assert not (tmp_path / "results").exists()  # --check re-runs into a temporary directory


def test_reproduce_check_reports_a_changed_metric(uninterrupted: Path, tmp_path: Path) -> None:
    import shutil

    sweep = Path(shutil.copytree(uninterrupted, tmp_path / "copy"))
    metrics_path = sweep / "1" / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics["by_strength"]["0"]["mean"]["n_words"] += 1
    metrics_path.write_text(json.dumps(metrics))
    result = steer("reproduce", "--check", str(sweep), cwd=tmp_path)
    assert result.returncode == 1
    assert "metric by_strength.0.mean.n_words" in result.stdout
    assert "1 of 2 differ" in result.stdout


def test_the_joblib_launcher_runs_jobs_in_parallel_processes(tmp_path: Path) -> None:
    sweep = tmp_path / "joblib"
    result = steer(
        "run", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "debug=tiny",
        "vectors.reference_limit=4", "generation.max_new_tokens=3", "steering.layers=[1],[2]",
        f"hydra.sweep.dir={sweep}", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Joblib.Parallel(n_jobs=2" in result.stdout + result.stderr
    pids = set()
    for job in ("0", "1"):
        assert len(records(sweep / job / "generations.jsonl")) == 18
        pids.add(json.loads((sweep / job / "run.json").read_text())["environment"]["pid"])
    assert len(pids) == 2
