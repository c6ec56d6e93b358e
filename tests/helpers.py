"""Small helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch

from steer.activations import capturing
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel


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


TINY_RUN = [
    "debug=tiny",
    "vectors.reference_limit=4",
    "generation.max_new_tokens=3",
    "task.prompts=[Hello there.,How are you?]",
]


def tiny_run(out: Path, *overrides: str) -> Path:
    """A finished `steer run` on the tiny model (2 prompts x 3 strengths) into ``out``,
    in-process."""
    from steer.cli.config_errors import compose_config
    from steer.runs.runner import run

    every = [*TINY_RUN, *overrides]
    run(compose_config(every), out, every)
    return out
