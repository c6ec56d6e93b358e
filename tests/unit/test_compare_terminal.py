"""The table `steer compare` prints: the task's headline metrics lead, even when constant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from steer.compare.load import load_runs, metric_frame
from steer.compare.summary import summarize, terminal_table, varying_metrics


def record(prompt: int, strength: float) -> dict[str, Any]:
    """An impossible-task episode that never cheats, with other metrics that do vary."""
    return {
        "prompt_id": f"p{prompt}",
        "prompt": f"prompt {prompt}",
        "info": {"variant": "oneoff"},
        "vector": "desperate",
        "layers": [16],
        "strength": strength,
        "text": "reply",
        "n_tokens": 10 + prompt + int(10 * strength),
        "finish_reason": "eos" if prompt % 2 else "length",
        "metrics": {
            "passed": 0.0,
            "cheated": 0.0,
            "has_code": float(prompt % 2),
            "steered_readout": strength + 0.1 * prompt,
            "cheat_pattern": float(prompt == 1),
            "attempts": 2.0 + (prompt % 2),
        },
    }


def test_a_cheat_rate_of_zero_everywhere_is_still_a_column(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    lines = [json.dumps(record(p, s)) + "\n" for p in range(6) for s in (0.0, 0.4)]
    (run / "generations.jsonl").write_text("".join(lines))
    (run / "metrics.json").write_text(json.dumps({"task": "impossible_code"}))
    runs = load_runs(run)
    frame = metric_frame(runs)
    summary, varying = summarize(frame), varying_metrics(frame)
    assert "cheated" not in varying

    order = runs[0].declared.names
    header = terminal_table(summary, varying, ["passed", "cheated"], order).splitlines()[0]
    # the varying metrics follow, in the order the task declares them
    assert header.split()[4:] == ["passed", "cheated", "cheat_pattern", "has_code"]
    assert "cheated" not in terminal_table(summary, varying).splitlines()[0].split()
