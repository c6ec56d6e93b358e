"""Every JSON file steer writes is strict JSON (no NaN or Infinity), so any tool can read it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from steer.cli.config_errors import compose_config
from steer.errors import SteerError
from steer.jobs.run import run
from steer.json_files import RecordWriter, dumps, read_records, write_json, write_jsonl
from tests.helpers import TINY_RUN


def strict_load(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def strict_files(folder: Path) -> dict[str, int]:
    """Parse every .json and .jsonl file under ``folder`` strictly; the values parsed per file."""
    parsed = {}
    for path in sorted(folder.rglob("*.json*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            parsed[path.name] = len([strict_load(line) for line in text.splitlines() if line])
        else:
            strict_load(text)
            parsed[path.name] = 1
    return parsed


def test_undefined_numbers_are_written_as_null() -> None:
    value = {"r": math.nan, "rates": [1.0, math.inf, -math.inf], "pair": (0.5, math.nan)}
    assert strict_load(dumps(value)) == {"r": None, "rates": [1.0, None, None], "pair": [0.5, None]}


def test_every_writer_is_strict(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", {"p_value": math.nan})
    write_jsonl(tmp_path / "b.jsonl", [{"x": math.inf}])
    with RecordWriter(tmp_path / "c.jsonl") as writer:
        writer.write({"metrics": {"score": math.nan}})
    assert strict_files(tmp_path) == {"a.json": 1, "b.jsonl": 1, "c.jsonl": 1}
    assert list(read_records(tmp_path / "c.jsonl")) == [{"metrics": {"score": None}}]


def test_a_nan_key_is_an_error_not_a_file() -> None:
    with pytest.raises(ValueError, match="key"):
        dumps({math.nan: 1})


def test_the_files_of_a_finished_run_are_strict_json(finished_tiny_run: Path) -> None:
    parsed = strict_files(finished_tiny_run)
    assert parsed["generations.jsonl"] == 6
    assert {"metrics.json", "run.json"} <= parsed.keys()
    metrics = strict_load((finished_tiny_run / "metrics.json").read_text())
    assert set(metrics["by_strength"]) == {"-0.1", "0", "+0.1"}


def test_a_nan_strength_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    overrides = [*TINY_RUN, "steering.strengths=[nan]"]
    with pytest.raises(SteerError, match=r"steering.strengths\[0\] is nan"):
        run(compose_config(overrides), tmp_path / "run", overrides)
    assert not (tmp_path / "run").exists()
