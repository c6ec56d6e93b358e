"""`steer run` and `steer reproduce` end to end on SmolLM2-135M-Instruct."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import STEER

RUN = [
    "experiment=demo",
    "steering.strengths=[-0.25,0,0.25]",
    "generation.max_new_tokens=40",
    "generation.batch_size=9",
]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "run"
    result = subprocess.run(
        [STEER, "run", *RUN, f"hydra.run.dir={out}"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=out.parent,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_run_writes_every_file(demo_run: Path) -> None:
    for name in ("generations.jsonl", "metrics.json", "run.json", "run.log"):
        assert (demo_run / name).is_file()
    for name in ("config.yaml", "overrides.yaml"):  # steer writes these itself
        assert (demo_run / ".hydra" / name).is_file()
    records = (demo_run / "generations.jsonl").read_text().splitlines()
    assert len(records) == 6 * 3
    run = json.loads((demo_run / "run.json").read_text())
    assert run["model"]["model_id"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert run["vectors"]["provenance"]["weights_hash"] == run["model"]["weights_hash"]


def test_happy_minus_sad_moves_sentiment_with_the_sign_of_the_strength(demo_run: Path) -> None:
    summary = json.loads((demo_run / "metrics.json").read_text())["by_strength"]
    vader = {key: entry["mean"]["vader_compound"] for key, entry in summary.items()}
    print(f"mean VADER compound by strength: {vader}")
    assert vader["-0.25"] < vader["0"] < vader["+0.25"]
    assert vader["+0.25"] - vader["-0.25"] > 0.5


def test_reproduce_reports_identical(demo_run: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [STEER, "reproduce", str(demo_run), "--out", str(tmp_path / "again")],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "identical: all 18 generations match" in result.stdout
