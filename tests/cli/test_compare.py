"""`steer compare` on real tiny-model runs (a 2-job sweep and one of its jobs on its own) and
on a hand-written multi-attempt run with readouts: the files, the summary, the escaping."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats as scipy_stats

from steer.compare.cli import main as compare_main
from steer.errors import SteerError
from tests.helpers import PLANTED, TINY, steer, write_task_run

TASKS = [
    {"id": "calm", "prompt": "Say something calm.", "group": "a"},
    {"id": "xss", "prompt": f"Repeat after me: {PLANTED}", "group": "b"},
    {"id": "sea", "prompt": "Write about the sea.", "group": "b"},
]
REQUIRED = {
    "run", "task", "vector", "layers", "strength", "metric", "kind", "n", "value", "ci_low",
    "ci_high", "baseline", "delta", "p_value", "trend_rho", "trend_p", "group_key", "group_value",
}  # fmt: skip
ONE_PIXEL_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
    "rkJggg=="
)


def plant_reply(run_dir: Path) -> None:
    """Make one steered reply hostile and longer (the tiny model's replies are gibberish)."""
    path = run_dir / "generations.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for record in records:
        if record["prompt_id"] == "sea" and record["strength"] > 0:
            record["text"] = record["attempts"][0]["text"] = f"{PLANTED} the calm sea"
            record["metrics"]["n_words"] = 4.0
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 2-job sweep (layers 1 and 2) of a custom task with a prompt holding a script."""
    base = tmp_path_factory.mktemp("compare")
    tasks = base / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(t) + "\n" for t in TASKS))
    out = base / "sweep"
    overrides = [o for o in TINY if not o.startswith("task.prompts")]
    result = steer(
        "run", "-m", *overrides, "task=custom", f"task.path={tasks}", "steering.layers=[1],[2]",
        f"hydra.sweep.dir={out}", cwd=base,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for job in ("0", "1"):
        plant_reply(out / job)
    return out


@pytest.fixture(scope="module")
def single_run(sweep: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One job of the sweep on its own: a run directory exactly as `steer run` writes it."""
    return Path(shutil.copytree(sweep / "0", tmp_path_factory.mktemp("single") / "run"))


@pytest.fixture(scope="module")
def compared_run(single_run: Path) -> subprocess.CompletedProcess[str]:
    result = steer("compare", str(single_run), cwd=single_run.parent)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def compared_sweep(sweep: Path) -> subprocess.CompletedProcess[str]:
    result = steer("compare", str(sweep), cwd=sweep.parent)
    assert result.returncode == 0, result.stderr
    return result


def test_compare_writes_the_summary_plots_and_report_and_names_them(
    single_run: Path, compared_run: subprocess.CompletedProcess[str]
) -> None:
    written = [single_run / "summary.csv", single_run / "report.html"]
    written.append(single_run / "compare" / "dose_n_words.png")
    for path in written:
        assert path.is_file() and path.stat().st_size > 0, path
        assert str(path) in compared_run.stdout
    assert "n_words" in compared_run.stdout.splitlines()[0]  # the table's header


def test_the_summary_has_a_row_per_strength_and_metric_with_groups(
    single_run: Path, compared_run: subprocess.CompletedProcess[str]
) -> None:
    summary = pd.read_csv(single_run / "summary.csv")
    assert set(summary.columns) >= REQUIRED
    overall = summary[summary["group_key"].isna()]
    assert set(overall["run"]) == {"."} and set(overall["task"]) == {"custom"}
    assert set(overall["layers"].astype(str)) == {"1"}
    metrics = {"n_words", "vader_compound", "emotion_words", "repetition", "n_tokens", "eos_rate"}
    assert set(overall["metric"]) == metrics
    assert len(overall) == len(metrics) * 3  # strengths -0.1, 0, +0.1
    assert (overall["n"] == 3).all()
    groups = summary[summary["group_key"] == "group"]
    assert set(groups["group_value"]) == {"a", "b"}
    assert set(groups.loc[groups["group_value"] == "b", "n"]) == {2}


def test_at_strength_zero_the_delta_is_zero_and_there_is_no_p(single_run: Path) -> None:
    summary = pd.read_csv(single_run / "summary.csv")
    baseline = summary[summary["strength"] == 0]
    assert (baseline["delta"] == 0).all()
    assert baseline["p_value"].isna().all()
    assert summary.loc[summary["strength"] != 0, "p_value"].notna().all()


def test_the_planted_reply_moves_n_words_with_its_delta(single_run: Path) -> None:
    summary = pd.read_csv(single_run / "summary.csv")
    row = summary[
        summary["group_key"].isna() & (summary["metric"] == "n_words") & (summary["strength"] > 0)
    ].iloc[0]
    assert row["kind"] == "mean"
    assert row["delta"] == pytest.approx(row["value"] - row["baseline"])
    assert row["delta"] > 0
    assert row["ci_low"] <= row["value"] <= row["ci_high"]


def test_the_report_renders_model_text_as_text(
    single_run: Path, compared_run: subprocess.CompletedProcess[str]
) -> None:
    page = (single_run / "report.html").read_text()
    assert PLANTED not in page and "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # in the prompt and in the reply
    assert 'id="summary"' in page and 'class="pair"' in page
    assert 'class="diff-ins"' in page
    assert 'src="data:image/png;base64,' in page
    assert "http://" not in page and "https://" not in page


def test_compare_of_a_sweep_has_one_run_per_job(
    sweep: Path, compared_sweep: subprocess.CompletedProcess[str]
) -> None:
    summary = pd.read_csv(sweep / "summary.csv", dtype={"run": str, "layers": str})
    overall = summary[summary["group_key"].isna()]
    assert overall.groupby("run")["layers"].unique().map(list).to_dict() == {
        "0": ["1"],
        "1": ["2"],
    }
    assert "2 run(s) compared" in compared_sweep.stdout
    assert (sweep / "compare" / "dose_n_words.png").is_file()
    page = (sweep / "report.html").read_text()
    assert "Generations: run 0" in page and "Generations: run 1" in page


@pytest.mark.parametrize(
    ("name", "message"), [("nowhere", "does not exist"), ("notes.txt", "is not a directory")]
)
def test_a_bad_path_is_one_error_line_and_exit_2(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "notes.txt").write_text("not a run")
    result = steer("compare", str(tmp_path / name), cwd=tmp_path)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in result.stderr


def test_a_directory_without_runs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    with pytest.raises(SteerError, match="no run under"):
        compare_main([str(tmp_path)])


def test_an_empty_generations_file_is_refused_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "generations.jsonl").write_text("")
    with pytest.raises(SteerError, match="no complete record"):
        compare_main([str(tmp_path)])


@pytest.fixture(scope="module")
def task_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A hand-written multi-attempt run, killed mid-write, with an inspect figure; compared.
    Returns the run directory and what compare printed."""
    run_dir = tmp_path_factory.mktemp("task") / "code"
    records = write_task_run(run_dir)
    with (run_dir / "generations.jsonl").open("a") as handle:
        handle.write(json.dumps(records[0])[:40])  # a run killed mid-write
    (run_dir / "inspect").mkdir()
    (run_dir / "inspect" / "norms.png").write_bytes(base64.b64decode(ONE_PIXEL_PNG))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert compare_main([str(run_dir)]) == 0
    return run_dir, printed.getvalue()


def test_a_multi_attempt_run_has_rates_tested_with_fisher(task_run: tuple[Path, str]) -> None:
    run_dir, printed = task_run
    summary = pd.read_csv(run_dir / "summary.csv")
    cheated = summary[
        summary["group_key"].isna() & (summary["metric"] == "cheated") & (summary["strength"] > 0)
    ].iloc[0]
    assert cheated["kind"] == "rate" and cheated["value"] == 1.0 and cheated["baseline"] == 1 / 6
    assert cheated["p_value"] == pytest.approx(scipy_stats.fisher_exact([[6, 0], [1, 5]]).pvalue)
    assert str(cheated["layers"]) == "10,20" and cheated["task"] == "impossible_code"
    assert summary.loc[summary["metric"] == "attempts", "kind"].eq("mean").all()
    assert set(summary["group_value"].dropna()) == {"oneoff", "conflicting"}
    assert "cheated" in printed.splitlines()[0]


def test_a_multi_attempt_run_shows_every_attempt_and_the_readout_figure(
    task_run: tuple[Path, str],
) -> None:
    run_dir, printed = task_run
    figure = run_dir / "compare" / "readouts_code.png"
    assert figure.is_file() and str(figure) in printed
    page = (run_dir / "report.html").read_text()
    assert page.count('class="attempt-no"') == 6 * (2 + 3)  # every attempt, both sides
    assert "return 3</pre>" in page  # the steered third attempt
    assert "readouts by attempt" in page


def test_a_torn_last_line_is_skipped(task_run: tuple[Path, str]) -> None:
    summary = pd.read_csv(task_run[0] / "summary.csv")
    assert set(summary.loc[summary["group_key"].isna(), "n"]) == {6}


def test_inspect_figures_are_embedded(task_run: tuple[Path, str]) -> None:
    page = (task_run[0] / "report.html").read_text()
    assert "<h2>Inspect</h2>" in page and "inspect/norms.png" in page
