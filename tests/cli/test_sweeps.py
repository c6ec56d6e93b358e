"""Sweeps on the tiny model: the joblib launcher, a sweep killed halfway and re-launched, finished
jobs skipped, and `steer reproduce --check` over every job."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import SLOW_SWEEP as SLOW
from tests.helpers import keyed, kill_sweep_inside_job_0, records, same_records_per_job, steer


def test_a_killed_sweep_keeps_its_records_and_resumes_where_it_stopped(
    basic_sweep: Path, tmp_path: Path
) -> None:
    sweep = tmp_path / "killed"
    kept = kill_sweep_inside_job_0(SLOW, sweep, cwd=tmp_path)
    assert 6 <= len(kept) < 18, "the kill should land inside job 0"
    assert not (sweep / "0" / "metrics.json").exists()

    result = steer("run", "-m", *SLOW, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    same_records_per_job(sweep, basic_sweep)  # 6 prompts x 3 strengths, nothing duplicated
    kept_now = keyed(records(sweep / "0" / "generations.jsonl"))
    assert keyed(kept).items() <= kept_now.items()  # kept records untouched


def test_a_relaunched_finished_sweep_skips_every_job(basic_sweep: Path, tmp_path: Path) -> None:
    before = {job: (basic_sweep / job / "generations.jsonl").read_text() for job in ("0", "1")}
    result = steer("run", "-m", *SLOW, f"hydra.sweep.dir={basic_sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    log = (basic_sweep / "0" / "run.log").read_text()
    assert "already holds this run, finished: skipped" in log
    for job, text in before.items():
        assert (basic_sweep / job / "generations.jsonl").read_text() == text


def test_a_refused_relaunch_with_another_config_changes_no_byte(
    basic_sweep: Path, tmp_path: Path
) -> None:
    import shutil

    sweep = Path(shutil.copytree(basic_sweep, tmp_path / "copy"))

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(sweep)): p.read_bytes() for p in sweep.rglob("*") if p.is_file()}

    before = snapshot()
    result = steer("run", "-m", *SLOW, "seed=7", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 2
    assert "holds a run of a different config" in result.stderr
    assert snapshot() == before  # multirun.yaml and every job's files included


def test_reproduce_check_re_runs_every_job_of_a_sweep(basic_sweep: Path, tmp_path: Path) -> None:
    result = steer("reproduce", "--check", str(basic_sweep), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 jobs: identical" in result.stdout
    assert not (tmp_path / "results").exists()  # --check re-runs into a temporary directory


def test_reproduce_check_reports_a_changed_metric(basic_sweep: Path, tmp_path: Path) -> None:
    import shutil

    sweep = Path(shutil.copytree(basic_sweep, tmp_path / "copy"))
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
