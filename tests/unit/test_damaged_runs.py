"""Run directories that were damaged, written twice or left half-way: compare and re-running
say which file and line is wrong and change nothing; statistics never count a record twice,
and partial statistics are named as partial."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from steer.cli.config_errors import compose_config
from steer.compare.cli import incomplete_warnings
from steer.compare.load import load_runs
from steer.errors import SteerError
from steer.jobs.run import run
from tests.helpers import TINY_RUN


@pytest.fixture()
def run_copy(finished_tiny_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(finished_tiny_run, tmp_path / "run"))


def _lines(run_dir: Path) -> list[str]:
    return (run_dir / "generations.jsonl").read_text().splitlines(keepends=True)


def _rewrite(run_dir: Path, lines: list[str]) -> bytes:
    (run_dir / "generations.jsonl").write_text("".join(lines))
    return (run_dir / "generations.jsonl").read_bytes()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ('{"prompt_id": "p000", "strength": \n', r"generations.jsonl line 3 is not valid JSON"),
        ('{"prompt_id": "p000", "text": "hi"}\n', r"line 3 is not a record of this file: it has"),
        ("[1, 2]\n", r"generations.jsonl line 3 is not a JSON object"),
    ],
)
def test_a_damaged_middle_line_is_named_and_the_file_kept(
    run_copy: Path, damage: str, message: str, no_model: None
) -> None:
    lines = _lines(run_copy)
    before = _rewrite(run_copy, [*lines[:2], damage, *lines[3:]])
    (run_copy / "metrics.json").unlink()  # so a re-run resumes rather than skips
    with pytest.raises(SteerError, match=message) as compared:
        load_runs(run_copy)
    assert "steer changed nothing" in compared.value.one_line()
    with pytest.raises(SteerError, match=message):
        run(compose_config(TINY_RUN), run_copy, TINY_RUN)
    assert (run_copy / "generations.jsonl").read_bytes() == before


def test_a_nan_strength_written_by_an_older_version_is_named(run_copy: Path) -> None:
    lines = _lines(run_copy)
    record = json.loads(lines[0])
    record["strength"] = float("nan")
    _rewrite(run_copy, [json.dumps(record) + "\n", *lines[1:]])  # a bare NaN, as issue 13 saw
    with pytest.raises(SteerError, match=r"whose 'strength' \(nan\) or 'metrics' is not"):
        load_runs(run_copy)


def test_compare_refuses_a_pair_recorded_twice(run_copy: Path) -> None:
    lines = _lines(run_copy)
    _rewrite(run_copy, [*lines, lines[0], lines[1]])  # as when two processes wrote one run
    with pytest.raises(SteerError, match=r"holds 8 records for 6 \(prompt, strength\) pairs"):
        load_runs(run_copy)


def test_re_running_into_a_run_with_duplicates_is_refused(run_copy: Path, no_model: None) -> None:
    lines = _lines(run_copy)
    before = _rewrite(run_copy, [*lines, lines[0]])
    (run_copy / "metrics.json").unlink()
    with pytest.raises(SteerError, match="recorded more than once"):
        run(compose_config(TINY_RUN), run_copy, TINY_RUN)
    assert (run_copy / "generations.jsonl").read_bytes() == before


def test_a_half_written_run_is_named_as_incomplete(run_copy: Path) -> None:
    lines = _lines(run_copy)
    _rewrite(run_copy, [*lines[:4], lines[4][:20]])  # killed while writing line 5
    (run_copy / "metrics.json").unlink()
    (warning,) = incomplete_warnings(load_runs(run_copy))
    assert "is incomplete: no metrics.json" in warning
    assert "the last line of generations.jsonl is cut short" in warning
    assert "4 records give partial statistics" in warning


def test_a_finished_run_has_no_warning(finished_tiny_run: Path) -> None:
    assert incomplete_warnings(load_runs(finished_tiny_run)) == []


def test_a_damaged_metrics_json_is_not_a_finished_run(run_copy: Path) -> None:
    (run_copy / "metrics.json").write_text('{"by_strength": ')
    records = _lines(run_copy)
    run(compose_config(TINY_RUN), run_copy, TINY_RUN)  # resumes: nothing to generate
    assert _lines(run_copy) == records
    assert json.loads((run_copy / "metrics.json").read_text())["by_strength"]
