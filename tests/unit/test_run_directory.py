"""A run's output directory: checked writable before the model loads, held by one process at a
time, and a refused sweep relaunch leaves ``multirun.yaml`` as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from steer.cli.config_errors import compose_config
from steer.cli.main import main
from steer.cli.preflight import sweep_file_kept
from steer.errors import EXIT_USAGE, SteerError
from steer.jobs.run import run
from steer.output_dirs import check_writable, hold
from tests.helpers import TINY_RUN


def _locked_down(path: Path) -> bool:
    """Make ``path`` a directory nobody may add files to: immutable as root, read-only else."""
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        done = chattr and subprocess.run([chattr, "+i", str(path)], capture_output=True)
        return bool(done) and done.returncode == 0  # type: ignore[union-attr]
    path.chmod(0o555)
    return True


def _unlock(path: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o755)


@pytest.fixture()
def finished_copy(finished_tiny_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished_tiny_run, tmp_path / "run"))


@pytest.fixture()
def unwritable(finished_copy: Path) -> Iterator[Path]:
    """A run directory holding an interrupted run, in which no new file can be created."""
    (finished_copy / "metrics.json").unlink()
    if not _locked_down(finished_copy):
        pytest.skip("cannot make a directory unwritable here (no chattr)")
    try:
        yield finished_copy
    finally:
        _unlock(finished_copy)


def test_an_unwritable_directory_is_refused_before_the_model_loads(
    unwritable: Path, no_model: None
) -> None:
    before = {p.name: p.read_bytes() for p in unwritable.iterdir() if p.is_file()}
    with pytest.raises(SteerError, match=r"cannot write into output directory .* the run could"):
        run(compose_config(TINY_RUN), unwritable, TINY_RUN)
    assert {p.name: p.read_bytes() for p in unwritable.iterdir() if p.is_file()} == before


def test_a_read_only_parent_is_refused(tmp_path: Path, no_model: None) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    if not _locked_down(parent):
        pytest.skip("cannot make a directory unwritable here (no chattr)")
    try:
        with pytest.raises(SteerError, match="cannot create output directory"):
            run(compose_config(TINY_RUN), parent / "run", TINY_RUN)
    finally:
        _unlock(parent)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("file", "output directory .*file is a file, not a directory"),
        ("file/run", "output directory .* cannot be created: .*file is a file"),
    ],
)
def test_a_file_in_the_way_is_refused(
    tmp_path: Path, where: str, message: str, no_model: None
) -> None:
    (tmp_path / "file").write_text("keep me\n")
    with pytest.raises(SteerError, match=message):
        run(compose_config(TINY_RUN), tmp_path / where, TINY_RUN)
    assert (tmp_path / "file").read_text() == "keep me\n"


def test_the_console_script_checks_the_directory_before_hydra_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("keep me\n")
    with pytest.raises(SystemExit) as stopped:
        main(["run", *TINY_RUN, f"hydra.run.dir={tmp_path / 'file'}"])
    assert stopped.value.code == EXIT_USAGE
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: output directory") and "hydra.run.dir=" in error
    assert len(error.splitlines()) == 1


def test_the_writability_check_leaves_nothing_behind(tmp_path: Path) -> None:
    check_writable(tmp_path / "a" / "b", "hydra.run.dir", create=False)
    assert list(tmp_path.iterdir()) == []
    check_writable(tmp_path / "a" / "b", "hydra.run.dir")
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == []


def test_a_directory_held_by_another_process_is_refused_at_once(
    finished_copy: Path, no_model: None
) -> None:
    (finished_copy / "metrics.json").unlink()  # an unfinished run: a second process would add
    before = (finished_copy / "generations.jsonl").read_bytes()
    holder = subprocess.Popen(
        ["python3", "-c", _HOLD_SCRIPT, str(finished_copy)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SteerError, match="is in use: another steer process is writing"):
            run(compose_config(TINY_RUN), finished_copy, TINY_RUN)
    finally:
        holder.kill()
        holder.wait()
    assert (finished_copy / "generations.jsonl").read_bytes() == before


_HOLD_SCRIPT = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_the_lock_is_released_when_the_holder_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), hold(tmp_path, "hydra.run.dir"):
        with pytest.raises(SteerError, match="in use"), hold(tmp_path, "hydra.run.dir"):
            pass
        raise RuntimeError("the run crashed")
    with hold(tmp_path, "hydra.run.dir"):
        pass  # free again


def test_a_refused_relaunch_leaves_multirun_yaml_byte_identical(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    saved = b"hydra:\n  overrides:\n    task: [steering.layers=[1],[2]]\n"
    (sweep / "multirun.yaml").write_bytes(saved)
    overrides = [*TINY_RUN, f"hydra.sweep.dir={sweep}"]
    with pytest.raises(SystemExit), sweep_file_kept(overrides, "config"):
        (sweep / "multirun.yaml").write_text("rewritten by hydra for another config\n")
        raise SystemExit(EXIT_USAGE)  # as a job refused for a different config exits
    assert (sweep / "multirun.yaml").read_bytes() == saved
    with sweep_file_kept(overrides, "config"):
        (sweep / "multirun.yaml").write_text("a finished sweep keeps what hydra wrote\n")
    assert (sweep / "multirun.yaml").read_text().startswith("a finished sweep")
