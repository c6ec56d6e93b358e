"""`steer inspect` on SmolLM2-135M-Instruct: the real attention pattern, and a small run."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from steer.cli.config_errors import compose_config
from steer.hooks import HookRef
from steer.inspect.capture import Steered, capture_forward
from steer.jobs.inspect import run_inspect
from steer.models.loaded import LoadedModel
from steer.steering import Engine, LayerDirection
from steer.steering.plan import SteeringPlan

LAYER = 20
RUN = [
    "model=smollm2_135m_instruct",
    "vectors=contrast",
    "task.prompts=[How are you feeling today?,Write one sentence about the sea.]",
    f"steering.layers=[{LAYER}]",
    "steering.strengths=[0.25]",
    "generation.max_new_tokens=6",
    f"inspect.layers=[{LAYER},{LAYER + 1}]",
    "inspect.max_heads=2",
    "inspect.max_figure_prompts=1",
]


def test_the_pattern_is_a_causal_softmax_steered_only_after_the_vector(
    smollm2: LoadedModel,
) -> None:
    ids = smollm2.formatter.chat_ids([{"role": "user", "content": "Hello, who are you?"}])
    ref = HookRef(LAYER)
    direction = torch.randn(smollm2.d_model, generator=torch.Generator().manual_seed(0))
    plan = SteeringPlan("v", (ref,), (LayerDirection(ref, direction),), "all", "raw", Engine.hf)
    layers = [0, LAYER, LAYER + 1]
    baseline = capture_forward(smollm2, ids, [ref], layers)
    steered = capture_forward(smollm2, ids, [ref], layers, Steered(plan, 5.0, len(ids)))
    for pattern in [*baseline.patterns.values(), *steered.patterns.values()]:
        assert pattern.shape == (9, len(ids), len(ids))
        assert torch.allclose(pattern.sum(-1), torch.ones(9, len(ids)), atol=1e-5)
        assert torch.equal(pattern.triu(1), torch.zeros_like(pattern))
    assert torch.equal(steered.patterns[LAYER], baseline.patterns[LAYER])
    assert not torch.allclose(steered.patterns[LAYER + 1], baseline.patterns[LAYER + 1])


def test_a_small_inspect_run_writes_its_figures_and_numbers(tmp_path: Path) -> None:
    metrics = run_inspect(compose_config(RUN, config_name="inspect"), tmp_path)
    figures = {p.name for p in (tmp_path / "inspect").glob("*.png")}
    attention = {f"attention_p000_L{LAYER}.png", f"attention_p000_L{LAYER + 1}.png"}
    assert figures == attention | {"norms_p000.png", "readouts_p000.png"}  # the first prompt's
    doc = json.loads((tmp_path / "inspect.json").read_text())
    for prompt in doc["prompts"]:
        baseline, steered = (prompt["norms"][c]["prompt_last"] for c in ("baseline", "steered"))
        assert baseline[:LAYER] == steered[:LAYER]
        assert steered[LAYER] != baseline[LAYER]
        assert max(prompt["attention"][str(LAYER)]["max_abs_diff"]) == 0
        assert max(prompt["attention"][str(LAYER + 1)]["max_abs_diff"]) > 0
    print(json.dumps(metrics, indent=1))
    assert metrics[f"attention_mean_abs_diff@L{LAYER + 1}"] > 0
