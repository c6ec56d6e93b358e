"""Properties of the steering context manager on a tiny random model."""

from __future__ import annotations

import pytest
import torch

from steer.choices import Site
from steer.errors import SteerError
from steer.hooks import HookRef, refs_for
from steer.models.loaded import LoadedModel
from steer.steering import Engine, LayerDirection, steering
from steer.steering.intervention import check_refs_fire, generating_model
from tests.helpers import all_layer_outputs, count_hooks

ENGINES = [Engine.hf, Engine.bridge]


def prompt(model: LoadedModel, text: str = "The weather today is") -> torch.Tensor:
    return torch.tensor([model.formatter.text_ids(text)])


def logits(model: LoadedModel, ids: torch.Tensor, engine: Engine) -> torch.Tensor:
    with torch.no_grad():
        return generating_model(model, engine)(input_ids=ids).logits


@pytest.mark.parametrize("engine", ENGINES)
def test_strength_zero_gives_bit_identical_logits(tiny: LoadedModel, direction, engine) -> None:
    ids = prompt(tiny)
    baseline = logits(tiny, ids, engine)
    with steering(tiny, [LayerDirection(HookRef(1), direction)], 0.0, engine=engine):
        steered = logits(tiny, ids, engine)
    assert torch.equal(steered, baseline)


def test_steered_layer_is_output_plus_strength_times_vector_and_others_untouched(
    tiny: LoadedModel, direction
) -> None:
    ids = prompt(tiny)
    with all_layer_outputs(tiny) as captured, torch.no_grad():
        tiny.hf(input_ids=ids)
        before = {ref: t.clone() for ref, t in captured.items()}
        with steering(tiny, [LayerDirection(HookRef(2), direction)], 0.7):
            tiny.hf(input_ids=ids)
        after = dict(captured)
    for layer in (0, 1):
        assert torch.equal(after[HookRef(layer)], before[HookRef(layer)])
    expected = before[HookRef(2)] + 0.7 * direction
    assert torch.allclose(after[HookRef(2)], expected, atol=1e-6, rtol=0)
    assert not torch.allclose(after[HookRef(3)], before[HookRef(3)], atol=1e-3)


def test_resid_pre_adds_to_the_block_input(tiny: LoadedModel, direction) -> None:
    ids = prompt(tiny)
    with all_layer_outputs(tiny) as captured, torch.no_grad():
        tiny.hf(input_ids=ids)
        before = {ref: t.clone() for ref, t in captured.items()}
        # resid_pre of block 2 is resid_post of block 1 + delta as block 2 sees it
        with steering(tiny, [LayerDirection(HookRef(2, Site.resid_pre), direction)], 0.5):
            tiny.hf(input_ids=ids)
            steered_pre = {ref: t.clone() for ref, t in captured.items()}
        with steering(tiny, [LayerDirection(HookRef(1), direction)], 0.5):
            tiny.hf(input_ids=ids)
            steered_post = dict(captured)
    assert torch.equal(steered_pre[HookRef(1)], before[HookRef(1)])
    assert torch.allclose(steered_pre[HookRef(2)], steered_post[HookRef(2)], atol=1e-6)


def test_engines_agree(tiny: LoadedModel, direction) -> None:
    ids = prompt(tiny)
    results = []
    for engine in ENGINES:
        with steering(tiny, [LayerDirection(HookRef(1), direction)], 1.5, engine=engine):
            results.append(logits(tiny, ids, engine))
    assert torch.allclose(results[0], results[1], atol=1e-4)
    assert not torch.allclose(results[0], logits(tiny, ids, Engine.hf), atol=1e-3)


def test_bridge_engine_steers_any_hook_point(tiny: LoadedModel, direction) -> None:
    ids = prompt(tiny)
    ref = HookRef(1, Site.attn_out)
    check_refs_fire(tiny, [ref], Engine.bridge)
    with steering(tiny, [LayerDirection(ref, direction)], 1.0, engine=Engine.bridge):
        steered = logits(tiny, ids, Engine.bridge)
    assert not torch.allclose(steered, logits(tiny, ids, Engine.bridge), atol=1e-3)


@pytest.mark.parametrize("engine", ENGINES)
def test_hooks_are_removed_on_exit_and_on_exception(tiny: LoadedModel, direction, engine) -> None:
    ids = prompt(tiny)
    baseline = logits(tiny, ids, engine)
    hooks_before = count_hooks(tiny)
    with steering(tiny, [LayerDirection(HookRef(1), direction)], 2.0, engine=engine):
        assert count_hooks(tiny) > hooks_before
    assert count_hooks(tiny) == hooks_before
    steered = [LayerDirection(HookRef(1), direction)]
    with pytest.raises(RuntimeError, match="boom"), steering(tiny, steered, 2.0, engine=engine):
        raise RuntimeError("boom")
    assert count_hooks(tiny) == hooks_before
    assert torch.equal(logits(tiny, ids, engine), baseline)


def test_layers_out_of_range_are_refused(tiny: LoadedModel) -> None:
    with pytest.raises(SteerError, match="out of range"):
        refs_for([tiny.n_layers], Site.resid_post, tiny.n_layers)
    assert refs_for([-1], Site.resid_post, tiny.n_layers) == [HookRef(tiny.n_layers - 1)]


def test_missing_and_unsupported_hook_points_are_refused(tiny: LoadedModel) -> None:
    with pytest.raises(SteerError, match="does not exist"):
        check_refs_fire(tiny, [HookRef(tiny.n_layers + 3)], Engine.bridge)
    with pytest.raises(SteerError, match="engine=bridge"):
        check_refs_fire(tiny, [HookRef(0, Site.resid_mid)], Engine.hf)
    check_refs_fire(tiny, [HookRef(0), HookRef(3, Site.resid_pre)], Engine.hf)


def test_a_hook_that_never_fires_is_refused(tiny: LoadedModel) -> None:
    from steer.hooks import record_firing, refuse_silent

    unused = torch.nn.Linear(2, 2)
    used = tiny.hf.get_decoder().layers[0]
    refs = [HookRef(0), HookRef(1)]
    with record_firing({refs[0]: used, refs[1]: unused}) as fired, torch.no_grad():
        tiny.hf(input_ids=prompt(tiny))
    with pytest.raises(SteerError, match=r"blocks\.1\.hook_resid_post never fire"):
        refuse_silent(refs, fired)
