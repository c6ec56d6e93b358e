"""`steer inspect` as a console script on the tiny model (report: tests/unit/test_inspect_run)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import steer

TINY = [
    "debug=tiny",
    "vectors.reference_limit=4",
    "generation.max_new_tokens=4",
    "task.prompts=[Hello there.]",
    "steering.strengths=[0.5]",
    "inspect.max_tokens=8",
    "inspect.max_heads=1",
]


def test_inspect_writes_its_files_into_the_run_directory(tmp_path: Path) -> None:
    out = tmp_path / "inspected"
    result = steer("inspect", *TINY, f"hydra.run.dir={out}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"results: {out}" in result.stdout
    for name in ("inspect.json", "inspect.log", "generations.jsonl", ".hydra/config.yaml"):
        assert (out / name).is_file(), name
    figures = sorted(p.name for p in (out / "inspect").glob("*.png"))
    assert figures == ["attention_p000_L3.png", "norms_p000.png", "readouts_p000.png"]
    assert json.loads((out / "inspect.json").read_text())["settings"]["strength"] == 0.5
    assert "nothing can be flagged" in (out / "inspect.log").read_text()


def test_the_usage_lists_inspect(tmp_path: Path) -> None:
    result = steer("--help", cwd=tmp_path)
    assert "inspect [overrides]" in result.stdout
