"""The per-metric grids of `steer compare`: one row per run / vector / layers, one column per
strength, cells coloured by delta against the row's strength 0; written from 3 lines up."""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from steer.compare.cli import compare
from steer.compare.grids import grid_of, grid_plots, line_count
from steer.compare.load import load_runs, metric_frame
from steer.compare.summary import overall, summarize, varying_metrics

STRENGTHS = (-0.1, 0.0, 0.1)


def record(vector: str, layer: int, strength: float, prompt: int) -> dict[str, Any]:
    """A text-task record whose sentiment follows the strength, more for "happy"."""
    slope = 4.0 if vector == "happy" else 1.0
    return {
        "prompt_id": f"p{prompt}",
        "prompt": f"prompt {prompt}",
        "info": {},
        "vector": vector,
        "layers": [layer],
        "strength": strength,
        "text": "reply",
        "n_tokens": 10 + prompt,
        "finish_reason": "eos" if prompt % 2 else "length",
        "metrics": {"vader_compound": slope * strength + 0.01 * prompt, "n_words": 5.0},
    }


def write_sweep(root: Path, lines: list[tuple[str, int]], prompts: int = 4) -> Path:
    """One job directory per (vector, layer) line, every prompt at every strength."""
    for job, (vector, layer) in enumerate(lines):
        job_dir = root / str(job)
        job_dir.mkdir(parents=True)
        records = [
            record(vector, layer, s, p) for p in range(prompts) for s in STRENGTHS
        ]  # fmt: skip
        text = "".join(json.dumps(r) + "\n" for r in records)
        (job_dir / "generations.jsonl").write_text(text)
    return root


def summary_of(root: Path) -> tuple[pd.DataFrame, set[str]]:
    frame = metric_frame(load_runs(root))
    return summarize(frame), varying_metrics(frame)


def test_rows_are_sorted_by_vector_then_layer_number(tmp_path: Path) -> None:
    root = write_sweep(tmp_path, [("sad", 20), ("happy", 20), ("happy", 5), ("calm", 10)])
    summary, _ = summary_of(root)
    rows = overall(summary)
    grid = grid_of(rows[rows["metric"] == "vader_compound"], "vader_compound")
    assert grid.rows == ["calm @ layer 10", "happy @ layer 5", "happy @ layer 20", "sad @ layer 20"]
    assert grid.strengths == list(STRENGTHS)


def test_cells_hold_the_summary_value_and_delta_against_the_row_at_strength_zero(
    tmp_path: Path,
) -> None:
    root = write_sweep(tmp_path, [("sad", 20), ("happy", 20), ("calm", 20)])
    summary, _ = summary_of(root)
    rows = overall(summary)
    grid = grid_of(rows[rows["metric"] == "vader_compound"], "vader_compound")
    happy = grid.rows.index("happy @ layer 20")
    # the mean of 4 * s + 0.01 * prompt over prompts 0..3
    expected = [4 * s + 0.015 for s in STRENGTHS]
    assert grid.values[happy] == pytest.approx(expected)
    assert grid.deltas[happy] == pytest.approx([-0.4, 0.0, 0.4])
    assert np.all(grid.deltas[:, 1] == 0)  # strength 0 is every row's own baseline
    assert math.isnan(grid.p_values[happy, 1]) and grid.p_values[happy, 2] < 0.2
    assert grid.kind == "mean"


def test_rows_sharing_vector_and_layers_are_told_apart_by_run(tmp_path: Path) -> None:
    root = write_sweep(tmp_path, [("happy", 20), ("happy", 20), ("sad", 20)])
    summary, _ = summary_of(root)
    rows = overall(summary)
    grid = grid_of(rows[rows["metric"] == "n_tokens"], "n_tokens")
    assert grid.rows == [
        "run 0: happy @ layer 20",
        "run 1: happy @ layer 20",
        "run 2: sad @ layer 20",
    ]


def test_fewer_than_three_lines_get_no_grid(tmp_path: Path) -> None:
    root = write_sweep(tmp_path, [("happy", 20), ("sad", 20)])
    summary, varying = summary_of(root)
    assert line_count(summary) == 2
    assert grid_plots(summary, varying, tmp_path / "compare") == []


def test_grids_are_drawn_for_varying_metrics_only_and_capped(tmp_path: Path) -> None:
    root = write_sweep(tmp_path, [("happy", 20), ("sad", 20), ("calm", 20)])
    summary, varying = summary_of(root)
    assert "n_words" not in varying  # 5.0 everywhere: no grid
    drawn = grid_plots(summary, varying, tmp_path / "compare")
    assert {p.name for p in drawn} == {"grid_vader_compound.png", "grid_n_tokens.png",
                                       "grid_eos_rate.png"}  # fmt: skip
    assert all(p.stat().st_size > 0 for p in drawn)
    assert len(grid_plots(summary, varying, tmp_path / "capped", limit=1)) == 1


def test_compare_writes_the_grids_lists_them_and_shows_them_in_the_report(tmp_path: Path) -> None:
    lines = [(v, 20) for v in ("happy", "sad", "calm")]
    root = write_sweep(tmp_path / "sweep", lines)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert compare(root, max_prompts=5) == 0
    grid = root / "compare" / "grid_vader_compound.png"
    assert grid.is_file() and str(grid) in printed.getvalue()
    page = (root / "report.html").read_text()
    assert "<h2>Grids</h2>" in page and "compare/grid_vader_compound.png" in page
    assert '<figure class="grid">' in page
