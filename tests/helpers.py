"""Small helpers shared by the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from steer.activations import capturing
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel

PLANTED = "<script>alert(1)</script>"


@contextmanager
def all_layer_outputs(model: LoadedModel) -> Iterator[dict[HookRef, torch.Tensor]]:
    with capturing(model, [HookRef(layer) for layer in range(model.n_layers)]) as captured:
        yield captured


def count_hooks(model: LoadedModel) -> int:
    """Every forward hook left on the plain model, the bridged model and the bridge."""
    modules = [*model.hf.modules(), *model.bridged_hf.modules(), *model.bridge.hook_dict.values()]
    total = 0
    for module in modules:
        total += len(module._forward_hooks) + len(module._forward_pre_hooks)
        total += len(getattr(module, "fwd_hooks", []))
    return total


def task_record(
    prompt_id: str, strength: float, passed: bool, n_attempts: int, variant: str
) -> dict[str, Any]:
    """A coding-task record as the runner writes it, with readouts after every attempt."""
    attempts = [
        {
            "attempt": number,
            "text": f"attempt {number} at {strength:+g}: def f(): return {number}",
            "n_tokens": 10 + number,
            "finish_reason": "eos",
            "metrics": {"passed": float(passed and number == n_attempts), "has_code": 1.0},
            "labels": [],
            "readouts": {
                "prompt_last": {"desperate": strength * number, "calm": -strength * number},
                "reply_mean": {"desperate": 0.0, "calm": 0.0},
            },
        }
        for number in range(1, n_attempts + 1)
    ]
    return {
        "prompt_id": prompt_id,
        "prompt": f"Write f for {prompt_id}.",
        "info": {"variant": variant},
        "vector": "desperate",
        "layers": [10, 20],
        "strength": strength,
        "text": attempts[-1]["text"],
        "n_tokens": attempts[-1]["n_tokens"],
        "finish_reason": "eos",
        "metrics": {"passed": float(passed), "cheated": float(passed), "attempts": n_attempts},
        "labels": ["hardcoded"] if passed else [],
        "attempts": attempts,
    }


def write_task_run(run_dir: Path) -> list[dict[str, Any]]:
    """Six prompts at strengths 0 and 0.5: steering makes every prompt pass, later."""
    records = [
        task_record(f"t{i}", strength, passed=strength > 0 or i == 0, n_attempts=3 if strength
                    else 2, variant="oneoff" if i % 2 else "conflicting")
        for i in range(6)
        for strength in (0.0, 0.5)
    ]  # fmt: skip
    run_dir.mkdir(parents=True)
    (run_dir / "generations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (run_dir / "metrics.json").write_text(json.dumps({"task": "impossible_code"}))
    return records
