"""The paired readout shifts quoted in experiments/desperation_reward_hacking/README.md.

    .venv/bin/python experiments/desperation_reward_hacking/readout_shift.py RUN_DIR [RUN_DIR ...]

For each steered strength of each run: the mean over prompts of (steered minus strength 0) of
each emotion's readout over the reply, per attempt, with a two-sided sign-flip p from 20,000
random flips (seeded). Only prompts whose both rows reached that attempt and read a reply count.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

EMOTIONS = ("desperate", "calm", "frustrated", "nervous")
FLIPS = 20_000


def reply_readout(record: dict[str, Any], attempt: int, emotion: str) -> float | None:
    attempts = record["attempts"]
    if len(attempts) < attempt:
        return None
    value = attempts[attempt - 1].get("readouts", {}).get("reply_mean", {}).get(emotion)
    return None if value is None else float(value)


def sign_flip_p(differences: np.ndarray, rng: np.random.Generator) -> float:
    signs = rng.choice([-1.0, 1.0], size=(FLIPS, len(differences)))
    observed = abs(differences.mean())
    return float((np.abs((signs * differences).mean(axis=1)) >= observed - 1e-12).mean())


def shifts(run: Path) -> None:
    lines = (run / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    by_row = {(r["prompt_id"], float(r["strength"])): r for r in records}
    prompts = sorted({r["prompt_id"] for r in records})
    rng = np.random.default_rng(0)
    for strength in sorted({key[1] for key in by_row} - {0.0}):
        for emotion in EMOTIONS:
            for attempt in (1, 2):
                pairs = [
                    (reply_readout(by_row[(p, strength)], attempt, emotion),
                     reply_readout(by_row[(p, 0.0)], attempt, emotion))
                    for p in prompts
                    if (p, strength) in by_row and (p, 0.0) in by_row
                ]  # fmt: skip
                diffs = np.array([s - b for s, b in pairs if s is not None and b is not None])
                if len(diffs) == 0:
                    continue
                print(
                    f"{run.name} {strength:+} {emotion} attempt {attempt}: n = {len(diffs)}, "
                    f"shift {diffs.mean():+.3f}, sign-flip p = {sign_flip_p(diffs, rng):.4f}"
                )


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(
            "usage: readout_shift.py RUN_DIR [RUN_DIR ...] (directories with generations.jsonl)"
        )
    for argument in sys.argv[1:]:
        shifts(Path(argument))
