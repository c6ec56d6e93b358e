"""`steer extract` on SmolLM2-135M-Instruct with the shipped stories, and steering with the bank."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.helpers import STEER


def test_held_out_probe_is_well_above_chance(bank_dir: Path) -> None:
    report = json.loads((bank_dir / "validation.json").read_text())
    probe = report["probe"]
    at_layer = probe["at_default_layer"]
    print(f"probe at layer {report['layer']}: {at_layer}, chance {probe['chance_top1']}")
    pca = report["pca"]
    print(f"PC1-valence r {pca['pc1_valence']['r']}, PC2-valence r {pca['pc2_valence']}, "
          f"PC2-arousal r {pca['pc2_arousal']['r']}")  # fmt: skip
    assert report["n_emotions"] == 12 and report["layer"] == 20
    assert at_layer["top3"] >= 2 * probe["chance_top3"]
    assert at_layer["top1"] >= 4 * probe["chance_top1"]
    assert report["pca"]["pc1_valence"]["n_words"] >= 10


def test_steering_with_the_bank_moves_sentiment(bank_dir: Path, tmp_path: Path) -> None:
    """At +-0.1 of the layer norm, the paper's behavioural range (at 0.15 the positive side
    already loses fluency on this model)."""
    out = tmp_path / "run"
    bank = bank_dir / "bank.safetensors"
    result = subprocess.run(
        [STEER, "run", "vectors=file", f"vectors.path={bank}", "steering.vector=[happy,-sad]",
         "steering.strengths=[-0.1,0.1]", "generation.max_new_tokens=32",
         "generation.batch_size=9", f"hydra.run.dir={out}"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((out / "metrics.json").read_text())["by_strength"]
    vader = {key: entry["mean"]["vader_compound"] for key, entry in summary.items()}
    print(f"bank [happy,-sad] mean VADER by strength: {vader}")
    assert vader["-0.1"] < vader["0"] < vader["+0.1"]
