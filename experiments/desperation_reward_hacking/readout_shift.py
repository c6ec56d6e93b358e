"""The paired readout shifts quoted in experiments/desperation_reward_hacking/README.md.

    .venv/bin/python experiments/desperation_reward_hacking/readout_shift.py RUN_DIR [RUN_DIR ...]
    .venv/bin/python experiments/desperation_reward_hacking/readout_shift.py --baselines RUN_A RUN_B
    .venv/bin/python experiments/desperation_reward_hacking/readout_shift.py --against RUN_B RUN_A

For each steered strength of each run: the mean over prompts of (steered minus strength 0) of
each emotion's readout over the reply, per attempt, with the two-sided sign-flip p that
`steer compare` uses (steer.compare.stats.sign_flip_p). Only prompts whose both rows reached
that attempt and read a reply count.
With --baselines: the same for the strength-0 rows of RUN_A minus those of RUN_B (two samplings
of the unsteered model: the size of a shift that is noise).
With --against RUN_B RUN_A: RUN_A's steered rows against RUN_B's strength-0 rows (another
sampling of the same unsteered config), to see whether a shift survives a change of baseline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from steer.compare.stats import sign_flip_p

EMOTIONS = ("desperate", "calm", "frustrated", "nervous")


def reply_readout(record: dict[str, Any], attempt: int, emotion: str) -> float | None:
    attempts = record["attempts"]
    if len(attempts) < attempt:
        return None
    value = attempts[attempt - 1].get("readouts", {}).get("reply_mean", {}).get(emotion)
    return None if value is None else float(value)


Rows = dict[str, dict[str, Any]]  # prompt id -> record, one strength


def rows_by_strength(run: Path) -> dict[float, Rows]:
    lines = (run / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    by_strength: dict[float, Rows] = {}
    for record in (json.loads(line) for line in lines if line.strip()):
        by_strength.setdefault(float(record["strength"]), {})[record["prompt_id"]] = record
    return by_strength


def report(label: str, shifted: Rows, base: Rows) -> None:
    for emotion in EMOTIONS:
        for attempt in (1, 2):
            pairs = [
                (reply_readout(shifted[p], attempt, emotion),
                 reply_readout(base[p], attempt, emotion))
                for p in sorted(shifted.keys() & base.keys())
            ]  # fmt: skip
            diffs = np.array([s - b for s, b in pairs if s is not None and b is not None])
            if len(diffs) == 0:
                continue
            print(
                f"{label} {emotion} attempt {attempt}: n = {len(diffs)}, "
                f"shift {diffs.mean():+.3f}, sign-flip p = {sign_flip_p(diffs):.4f}"
            )


def shifts(run: Path, against: Path | None = None) -> None:
    """Each steered strength of ``run`` against its own strength 0, or ``against``'s."""
    by_strength = rows_by_strength(run)
    base = by_strength[0.0] if against is None else rows_by_strength(against)[0.0]
    suffix = "" if against is None else f" - {against.name} 0"
    for strength in sorted(set(by_strength) - {0.0}):
        report(f"{run.name} {strength:+}{suffix}", by_strength[strength], base)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baselines"] and len(sys.argv) == 4:
        first, second = (rows_by_strength(Path(a))[0.0] for a in sys.argv[2:])
        label = f"{Path(sys.argv[2]).name} 0 - {Path(sys.argv[3]).name} 0"
        report(label, first, second)
        sys.exit(0)
    if sys.argv[1:2] == ["--against"] and len(sys.argv) == 4:
        shifts(Path(sys.argv[3]), against=Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) < 2 or sys.argv[1].startswith("--"):
        sys.exit(
            "usage: readout_shift.py RUN_DIR [RUN_DIR ...] | --baselines RUN_A RUN_B"
            " | --against RUN_B RUN_A"
        )
    for argument in sys.argv[1:]:
        shifts(Path(argument))
