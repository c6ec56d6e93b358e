"""The inspection passes on the tiny model: real attention patterns from the bridge's hook,
steering that enters exactly where the plan says, and one-line errors for bad requests."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
import torch

from steer.choices import Site
from steer.errors import SteerError
from steer.hooks import HookRef
from steer.inspect.capture import Steered, attention_heads, capture_forward
from steer.models.loaded import LoadedModel
from steer.steering import Engine, LayerDirection, steering
from steer.steering.plan import SteeringPlan
from tests.helpers import all_layer_outputs

STEERED_LAYER = 1
STRENGTH = 4.0
RESIDUALS = [HookRef(layer) for layer in range(4)]


def plan_for(direction: torch.Tensor, positions: str = "all", site: Site = Site.resid_post):
    ref = HookRef(STEERED_LAYER, site)
    return SteeringPlan(
        label="v",
        refs=(ref,),
        directions=(LayerDirection(ref, direction),),
        positions=positions,  # type: ignore[arg-type]
        unit="raw",
        engine=Engine.hf,  # the plan's generation engine; inspection steers on the bridge
    )


def token_ids(model: LoadedModel) -> list[int]:
    return model.formatter.chat_ids([{"role": "user", "content": "How are you today?"}])


@pytest.fixture()
def passes(tiny: LoadedModel, direction: torch.Tensor):
    ids = token_ids(tiny)
    layers = range(tiny.n_layers)
    baseline = capture_forward(tiny, ids, RESIDUALS, layers)
    steered = Steered(plan_for(direction), STRENGTH, prompt_length=len(ids))
    return ids, baseline, capture_forward(tiny, ids, RESIDUALS, layers, steered)


def test_attention_rows_sum_to_one_and_no_token_sees_the_future(passes) -> None:
    ids, baseline, steered = passes
    for capture in (baseline, steered):
        for pattern in capture.patterns.values():
            assert pattern.shape == (4, len(ids), len(ids))
            assert torch.allclose(pattern.sum(dim=-1), torch.ones(4, len(ids)), atol=1e-5)
            assert torch.equal(pattern.triu(diagonal=1), torch.zeros_like(pattern))
            assert bool((pattern >= 0).all())


def test_steering_changes_attention_only_after_the_steered_block(passes) -> None:
    _, baseline, steered = passes
    for layer in range(STEERED_LAYER + 1):  # attention of block 1 runs before its output
        assert torch.equal(steered.patterns[layer], baseline.patterns[layer])
    for layer in range(STEERED_LAYER + 1, 4):
        assert not torch.allclose(steered.patterns[layer], baseline.patterns[layer], atol=1e-6)


def test_the_residual_stream_is_untouched_before_the_vector_and_shifted_by_it_after(
    passes, direction: torch.Tensor
) -> None:
    _, baseline, steered = passes
    before, at = HookRef(STEERED_LAYER - 1), HookRef(STEERED_LAYER)
    assert torch.equal(steered.activations[before], baseline.activations[before])
    expected = baseline.activations[at] + STRENGTH * direction
    assert torch.allclose(steered.activations[at], expected, atol=1e-5)
    assert not torch.allclose(
        steered.activations[HookRef(3)], baseline.activations[HookRef(3)], atol=1e-3
    )


def test_the_bridge_pass_equals_what_the_fast_engine_generates_with(
    tiny: LoadedModel, passes, direction: torch.Tensor
) -> None:
    ids, _, steered = passes
    plan = plan_for(direction)
    with all_layer_outputs(tiny) as captured, torch.no_grad():
        with steering(tiny, plan.directions, STRENGTH, engine=Engine.hf):
            tiny.hf(input_ids=torch.tensor([ids]))
        for ref in RESIDUALS:
            assert torch.allclose(steered.activations[ref], captured[ref][0], atol=1e-4)


def test_prompt_positions_steer_only_the_prompt(tiny: LoadedModel, direction) -> None:
    ids = token_ids(tiny)
    prompt_length = len(ids) - 3  # as if the last 3 tokens were the reply
    baseline = capture_forward(tiny, ids, RESIDUALS, [])
    steered = capture_forward(
        tiny, ids, RESIDUALS, [], Steered(plan_for(direction, "prompt"), STRENGTH, prompt_length)
    )
    at = HookRef(STEERED_LAYER)
    moved = (steered.activations[at] - baseline.activations[at]).norm(dim=-1) > 1e-4
    assert moved.tolist() == [True] * prompt_length + [False] * 3


def test_a_resid_pre_vector_changes_the_attention_of_its_own_block(tiny, direction) -> None:
    ids = token_ids(tiny)
    plan = plan_for(direction, site=Site.resid_pre)
    baseline = capture_forward(tiny, ids, [], [STEERED_LAYER - 1, STEERED_LAYER])
    steered = capture_forward(
        tiny, ids, [], [STEERED_LAYER - 1, STEERED_LAYER], Steered(plan, STRENGTH, len(ids))
    )
    assert torch.equal(steered.patterns[0], baseline.patterns[0])
    assert not torch.allclose(steered.patterns[1], baseline.patterns[1], atol=1e-6)


def test_the_tiny_model_has_four_heads(tiny: LoadedModel) -> None:
    assert attention_heads(tiny) == 4


def test_a_layer_without_a_pattern_hook_is_refused_in_one_line(tiny: LoadedModel) -> None:
    with pytest.raises(SteerError, match=r"blocks\.9\.attn\.hook_pattern does not exist") as error:
        capture_forward(tiny, token_ids(tiny), [], [9])
    assert "inspect.layers" in error.value.fix and "\n" not in error.value.one_line()


def test_a_pattern_hook_that_never_fires_is_refused(tiny: LoadedModel, monkeypatch) -> None:
    monkeypatch.setattr(tiny.bridge, "hooks", lambda fwd_hooks: nullcontext())
    with pytest.raises(SteerError, match=r"blocks\.2\.attn\.hook_pattern never fire"):
        capture_forward(tiny, token_ids(tiny), [], [2])
