"""Bad input to the other commands (extract, validate, read, sandbox, reproduce): one line
naming the problem and the fix, before any model loads or any file changes."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from steer.cli import read as read_command
from steer.cli.config_errors import compose_config
from steer.cli.reproduce import failed_jobs, job_dirs
from steer.cli.reproduce import main as reproduce_main
from steer.errors import SteerError
from steer.jobs.extract import read_stories, revalidate, run_extract
from steer.models.loaded import LoadedModel
from steer.sandbox.cli import main as sandbox_main
from steer.validation.report import ValidationSettings
from steer.vectors.contrast import build_contrast

BINARY = b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe\x00"


@pytest.fixture(scope="module")
def bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a bank (no stories.jsonl)."""
    from steer.models.loaders import load_tiny_random

    folder = tmp_path_factory.mktemp("bank")
    model = load_tiny_random(n_layers=4, d_model=64, seed=0)
    build_contrast(model, "x", ["good"], ["bad"], reference_limit=2).save(
        folder / "bank.safetensors"
    )
    return folder


def test_an_extraction_of_no_emotions_is_refused_before_the_model_loads(tmp_path: Path) -> None:
    cfg = compose_config(["model=tiny_random", "vectors.emotions=[]"], "extract")
    with pytest.raises(SteerError, match=r"lists 0 emotion\(s\) \(none\); a bank needs at least"):
        run_extract(cfg, tmp_path / "out", [], "tiny_random")
    assert not (tmp_path / "out").exists()


def test_a_torn_story_file_is_named_with_its_line(tmp_path: Path) -> None:
    line = '{"emotion": "calm", "topic": "t", "narrator": "first", "text": "x", "source": "s"}\n'
    (tmp_path / "stories.jsonl").write_text(line * 2 + line[:30])
    with pytest.raises(SteerError, match=r"stories.jsonl line 3 is cut short"):
        read_stories(tmp_path / "stories.jsonl")
    (tmp_path / "stories.jsonl").write_text(line + '{"emotion": "calm"}\n')
    with pytest.raises(SteerError, match=r"line 2 is not a record of this file: it has no topic"):
        read_stories(tmp_path / "stories.jsonl")


def test_validate_reads_the_stories_before_loading_the_model(
    bank_dir: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(bank_dir, tmp_path / "extraction"))
    (folder / "stories.jsonl").write_text('{"emotion": "calm", "topic": "t", "narr')
    with pytest.raises(SteerError, match=r"stories.jsonl line 1 is cut short"):
        revalidate(folder, folder, ValidationSettings())


def test_validate_takes_the_bank_file_or_its_directory(bank_dir: Path) -> None:
    for given in (bank_dir, bank_dir / "bank.safetensors"):
        with pytest.raises(SteerError, match=r"story file .*bank\d*/stories.jsonl does not"):
            revalidate(given, bank_dir, ValidationSettings())


def test_validate_into_a_file_is_refused_before_the_model_loads(
    bank_dir: Path, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(bank_dir, tmp_path / "extraction"))
    line = '{"emotion": "calm", "topic": "t", "narrator": "first", "text": "x", "source": "s"}\n'
    (folder / "stories.jsonl").write_text(line)
    (tmp_path / "report").write_text("not a directory")
    with pytest.raises(SteerError, match=r"output directory .*report is a file.*\(--out=\.\.\.\)"):
        revalidate(folder / "bank.safetensors", tmp_path / "report", ValidationSettings())
    assert (tmp_path / "report").read_text() == "not a directory"


def test_validate_of_a_directory_without_a_bank_names_its_own_argument(tmp_path: Path) -> None:
    with pytest.raises(SteerError, match=r"bank.safetensors does not exist; check BANK_DIR") as e:
        revalidate(tmp_path, tmp_path, ValidationSettings())
    assert "vectors.path" not in e.value.one_line()
    with pytest.raises(SteerError, match="test fraction is nan"):
        ValidationSettings(test_fraction=float("nan"))


def test_read_refuses_a_binary_file_and_a_negative_top(tmp_path: Path) -> None:
    (tmp_path / "texts.txt").write_bytes(BINARY)
    with pytest.raises(SteerError, match=r"text file .* is a binary file .*; check --file"):
        read_command.texts_from_file(tmp_path / "texts.txt")
    with pytest.raises(SteerError, match=r"text file .* is a directory, not a file"):
        read_command.texts_from_file(tmp_path)
    with pytest.raises(SteerError, match=r"--top -3 lists no emotion; pass --top 1 or more"):
        read_command.main(["Some text.", "--top", "-3"])


def test_read_takes_a_bank_directory(bank_dir: Path, tmp_path: Path) -> None:
    assert read_command.bank_file(bank_dir) == bank_dir / "bank.safetensors"
    with pytest.raises(SteerError, match=r"--bank .* is a directory without bank.safetensors"):
        read_command.bank_file(tmp_path)
    with pytest.raises(SteerError, match=r"does not exist; check --bank") as e:
        read_command.load_bank_and_model(tmp_path / "none.safetensors")
    assert "vectors.path" not in e.value.one_line()


def test_a_saved_bank_is_as_readable_as_its_sidecar(bank_dir: Path) -> None:
    def mode(name: str) -> int:
        return stat.S_IMODE((bank_dir / name).stat().st_mode)

    assert mode("bank.safetensors") == mode("bank.json")
    assert mode("bank.safetensors") & stat.S_IROTH


@pytest.mark.parametrize(
    ("option", "value"), [("--timeout", "nan"), ("--timeout", "inf"), ("--cpu", "-1")]
)
def test_sandbox_limits_must_be_finite_and_positive(
    tmp_path: Path, option: str, value: str
) -> None:
    (tmp_path / "code.py").write_text("def one():\n    return 1\n")
    (tmp_path / "tests.py").write_text("assert one() == 1\n")
    with pytest.raises(SteerError, match=f"{option} must be a finite number above 0, got"):
        sandbox_main([str(tmp_path / "code.py"), str(tmp_path / "tests.py"), option, value])


def test_sandbox_names_a_binary_or_directory_argument(tmp_path: Path) -> None:
    (tmp_path / "code.bin").write_bytes(BINARY)
    (tmp_path / "tests.py").write_text("assert True\n")
    with pytest.raises(SteerError, match=r"code file .*code.bin is a binary file"):
        sandbox_main([str(tmp_path / "code.bin"), str(tmp_path / "tests.py")])
    with pytest.raises(SteerError, match=r"code file .* is a directory, not a file"):
        sandbox_main([str(tmp_path), str(tmp_path / "tests.py")])


def test_reproduce_of_a_file_says_it_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "run.txt").write_text("")
    with pytest.raises(SteerError, match=r"run.txt is a file, not a directory"):
        job_dirs(tmp_path / "run.txt")


@pytest.fixture()
def sweep_with_failed_jobs(finished_tiny_run: Path, tmp_path: Path) -> Path:
    """Job 0 finished, job 1 failed before saving its config, job 2 never started."""
    sweep = tmp_path / "sweep"
    shutil.copytree(finished_tiny_run, sweep / "0")
    (sweep / "1").mkdir()
    (sweep / "1" / "run.log").write_text("error: layer 40 is out of range\n")
    (sweep / "multirun.yaml").write_text(
        "hydra:\n  overrides:\n    task:\n    - debug=tiny\n    - steering.layers=[1],[40],[2]\n"
    )
    return sweep


def test_reproduce_names_failed_and_missing_jobs_and_exits_1(
    sweep_with_failed_jobs: Path, capsys: pytest.CaptureFixture[str], tiny: LoadedModel
) -> None:
    assert failed_jobs(sweep_with_failed_jobs) == [
        f"job 1 failed before running (no saved config; see {sweep_with_failed_jobs}/1/run.log)",
        "job(s) 2 of 3 never started (the sweep stopped early)",
    ]
    assert reproduce_main([str(sweep_with_failed_jobs), "--check"]) == 1
    out = capsys.readouterr().out
    assert "identical: all 6 generations match" in out
    assert "failed: job 1 failed before running" in out
    assert "1 jobs: identical; 2 failed (above): the original sweep is incomplete" in out
