"""The `steer` console script on the tiny model: files written, errors in one line, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import TINY, steer


def test_run_writes_the_run_files(finished_run: Path) -> None:
    out = finished_run
    for name in ("generations.jsonl", "metrics.json", "run.json", "run.log"):
        assert (out / name).is_file(), name
    assert (out / ".hydra" / "config.yaml").is_file()
    records = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert len(records) == 2 * 3  # two prompts x strengths -0.1, 0, 0.1
    assert {"prompt_id", "vector", "layers", "strength", "seed", "text"} <= records[0].keys()
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["by_strength"]) == {"-0.1", "0", "+0.1"}
    provenance = json.loads((out / "run.json").read_text())
    assert provenance["model"]["weights_hash"]
    assert provenance["environment"]["packages"]["transformer-lens"].startswith("4.")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    result = steer("run", *TINY, f"hydra.run.dir={out}", cwd=out.parent)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture()
def run_copy(finished_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished_run, tmp_path / "run"))


def test_a_run_ends_with_its_summary_and_the_next_command_unless_quiet(
    run_copy: Path, tmp_path: Path
) -> None:
    shown = steer("run", *TINY, f"hydra.run.dir={run_copy}", cwd=tmp_path)  # finished: skipped
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    summary = lines[lines.index(f"results: {run_copy}") + 2 :]
    assert summary[0] == "prompts: vector happy_vs_sad at layer 2, 2 prompts per strength"
    assert summary[1].startswith("headline vader_compound: mean VADER compound sentiment")
    table = [line.split()[0] for line in summary[3:6]]
    assert table == ["strength", "-0.1", "0"]
    assert any(line.startswith("example: ") for line in summary)
    assert summary[-1].startswith(f"next: steer compare {run_copy} ")

    quiet = steer("run", "--quiet", *TINY, f"hydra.run.dir={run_copy}", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.splitlines()[-1] == f"results: {run_copy}"


def test_rerunning_into_a_run_directory_resumes_without_duplicates(
    run_copy: Path, tmp_path: Path
) -> None:
    out = run_copy
    path = out / "generations.jsonl"
    full = path.read_text().splitlines(keepends=True)
    path.write_text("".join(full[:2]) + full[2][:10])  # as if killed while writing line 3
    assert steer("run", *TINY, f"hydra.run.dir={out}", cwd=tmp_path).returncode == 0
    resumed = [json.loads(line) for line in path.read_text().splitlines()]
    original = [json.loads(line) for line in full]

    def keyed(records: list[dict]) -> dict:
        return {(r["prompt_id"], r["strength"]): (r["text"], r["seed"]) for r in records}

    assert len(resumed) == len(original) == 6
    assert keyed(resumed) == keyed(original)
    run = json.loads((out / "run.json").read_text())
    assert len(run["resumed_by"]) == 1


def test_a_different_config_never_overwrites_a_run(run_copy: Path, tmp_path: Path) -> None:
    out = run_copy
    files = ["generations.jsonl", "run.json", "metrics.json", ".hydra/config.yaml"]
    before = {name: (out / name).read_text() for name in files}
    result = steer("run", *TINY, "seed=5", f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 2
    assert "holds a run of a different config" in result.stderr
    assert {name: (out / name).read_text() for name in files} == before


def test_cfg_job_prints_the_config(tmp_path: Path) -> None:
    result = steer("run", "--cfg", "job", "debug=tiny", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "steering:" in result.stdout and "positions: all" in result.stdout


def test_multirun_writes_one_directory_per_job(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    result = steer(
        "run", "-m", *TINY, "steering.layers=[1],[2]", f"hydra.sweep.dir={sweep}", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    for job in ("0", "1"):
        assert (sweep / job / "generations.jsonl").is_file()


def test_reproduce_reports_identical(run_copy: Path, tmp_path: Path) -> None:
    out = run_copy
    result = steer("reproduce", str(out), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "identical: all 6 generations match" in result.stdout


def test_reproduce_names_packages_whose_version_changed(run_copy: Path, tmp_path: Path) -> None:
    run_json = run_copy / "run.json"
    provenance = json.loads(run_json.read_text())
    now = provenance["environment"]["packages"]["transformers"]
    provenance["environment"]["packages"]["transformers"] = "5.23.0"
    run_json.write_text(json.dumps(provenance))
    result = steer("reproduce", "--check", str(run_copy), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"version differs: transformers: saved 5.23.0, now {now} ({run_copy})"
    assert "identical: all 6 generations match" in result.stdout
    assert (
        lines[-1]
        == f"under other package versions than saved: transformers: saved 5.23.0, now {now}"
    )


def test_reproduce_shows_the_first_difference(run_copy: Path, tmp_path: Path) -> None:
    out = run_copy
    path = out / "generations.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    records[0]["text"] = "tampered"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = steer("reproduce", str(out), "--out", str(tmp_path / "again"), cwd=tmp_path)
    assert result.returncode == 1
    assert "different" in result.stdout and "'tampered'" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["steering.strenght=0.1"], "error: unknown config key 'steering.strenght'"),
        (["steering.unit=watts"], "error: invalid value for 'steering.unit'"),
        (["model=hf"], "error: model.name has no value"),
        (["steering.layers=[40]"], "error: layer 40 is out of range for a model with 4 layers"),
        (["model.dtype=float64"], "error: unknown model.dtype 'float64'"),
        (["-m", "steering.layers=[1],[40]"], "error: layer 40 is out of range"),
        (["model.device=cuda"], "error: model.device=cuda, but this torch"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_traceback(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Errors found before Hydra starts, inside the job, and inside a model loader that Hydra
    instantiates: all end the same way."""
    flags = [a for a in args if a.startswith("-")]  # Hydra takes flags before overrides
    overrides = [a for a in args if not a.startswith("-")]
    out = f"hydra.sweep.dir={tmp_path / 'out'}" if flags else f"hydra.run.dir={tmp_path / 'out'}"
    result = steer("run", *flags, *TINY, *overrides, out, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    logs = list((tmp_path / "out").rglob("*.log"))
    if logs:  # refused inside a job: its log says why, not only the console
        assert any(message in log.read_text() for log in logs), [str(log) for log in logs]


def test_unknown_command_and_missing_run_dir(tmp_path: Path) -> None:
    assert steer("fly", cwd=tmp_path).returncode == 2
    result = steer("reproduce", str(tmp_path / "missing"), cwd=tmp_path)
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = steer("reproduce", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "holds neither a run nor sweep jobs" in result.stderr


def test_a_task_of_your_own_outside_the_repo_runs_and_reproduces(tmp_path: Path) -> None:
    """A researcher's own task YAML, found through hydra.searchpath (not conf/task/)."""
    own = tmp_path / "my_conf" / "task"
    own.mkdir(parents=True)
    (own / "one_word.yaml").write_text(
        "defaults:\n  - base_prompts\n  - _self_\nprompts:\n  - Say one word.\n  - Name a colour.\n"
    )
    out = tmp_path / "run"
    searchpath = f"hydra.searchpath=[file://{tmp_path / 'my_conf'}]"
    tiny = [o for o in TINY if not o.startswith("task.")]
    result = steer("run", *tiny, "task=one_word", searchpath, f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    prompts = [json.loads(line)["prompt"] for line in (out / "generations.jsonl").open()]
    assert set(prompts) == {"Say one word.", "Name a colour."}
    again = steer("reproduce", str(out), "--check", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    typo = steer("run", *tiny, "task=one_word", searchpath, "task.promtps=[x]", cwd=tmp_path)
    assert typo.returncode == 2 and "unknown config key 'task.promtps'" in typo.stderr
