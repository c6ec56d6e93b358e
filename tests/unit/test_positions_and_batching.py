"""Position semantics under the KV cache, and per-row strengths in one batch.

Device-aware: ``STEER_TEST_DEVICE=cuda`` runs them on a GPU (docs/gpu.md)."""

from __future__ import annotations

import pytest
import torch

from steer.batching import pad_batch
from steer.choices import Site
from steer.errors import SteerError
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.steering import Engine, LayerDirection, steering
from steer.steering.plan import SteeringPlan

STRENGTH = 3.0


def plan_for(direction: torch.Tensor, positions: str, engine: Engine = Engine.hf) -> SteeringPlan:
    ref = HookRef(1, Site.resid_post)
    return SteeringPlan(
        label="v",
        refs=(ref,),
        directions=(LayerDirection(ref, direction),),
        positions=positions,  # type: ignore[arg-type]
        unit="raw",
        engine=engine,
    )


@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
@pytest.mark.parametrize("positions", ["all", "prompt", "generated"])
def test_cached_generation_matches_a_no_cache_recomputation(
    tiny: LoadedModel, direction, positions, engine
) -> None:
    """Greedy tokens and their logits under the KV cache equal one full forward pass over
    prompt + generated tokens with the same position rule."""
    prompt = tiny.formatter.text_ids("Once upon a time")
    settings = GenerationSettings(max_new_tokens=8)
    ids = torch.tensor([prompt], device=tiny.device)
    model = tiny.hf if engine is Engine.hf else tiny.bridged_hf
    direction = direction * STRENGTH
    ref = HookRef(1)
    steered = [LayerDirection(ref, direction)]
    with steering(tiny, steered, 1.0, positions, len(prompt), engine), torch.no_grad():
        out = model.generate(
            input_ids=ids,
            max_new_tokens=settings.max_new_tokens,
            do_sample=False,
            output_scores=True,
            return_dict_in_generate=True,
            pad_token_id=tiny.pad_token_id,
            eos_token_id=None,
        )
    sequence = out.sequences
    with steering(tiny, steered, 1.0, positions, len(prompt), engine), torch.no_grad():
        full = model(input_ids=sequence, use_cache=False).logits
    recomputed = full[0, len(prompt) - 1 : -1]
    cached = torch.stack(out.scores)[:, 0]
    assert torch.allclose(cached, recomputed, atol=1e-4)
    assert torch.equal(recomputed.argmax(-1), sequence[0, len(prompt) :])


@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
@pytest.mark.parametrize("positions", ["prompt", "generated"])
def test_a_decode_step_whose_cache_cannot_be_seen_raises(
    tiny: LoadedModel, direction, positions, engine
) -> None:
    """A one-token forward with no KV cache visible could be any position: steering it as if
    it were position 0 would silently steer the wrong token, so it must raise."""
    prompt = tiny.formatter.text_ids("Once upon a time")
    decoder = (tiny.hf if engine is Engine.hf else tiny.bridged_hf).get_decoder()
    steered = [LayerDirection(HookRef(1), direction)]
    with (
        steering(tiny, steered, 1.0, positions, len(prompt), engine),
        torch.no_grad(),
        pytest.raises(SteerError, match="no KV cache visible"),
    ):
        decoder(input_ids=torch.tensor([prompt[-1:]], device=tiny.device), use_cache=False)


@pytest.mark.parametrize(
    ("positions", "prefill_steered"), [("prompt", True), ("generated", False), ("all", True)]
)
def test_the_prefill_is_steered_only_when_prompt_positions_are(
    tiny: LoadedModel, direction, positions, prefill_steered
) -> None:
    prompt = tiny.formatter.text_ids("Hello")

    def layer_outputs(steered: bool) -> list[torch.Tensor]:
        from steer.activations import capturing

        calls = []
        with capturing(tiny, [HookRef(1)]) as captured:
            layer = tiny.hf.get_decoder().layers[1]
            handle = layer.register_forward_hook(
                lambda *_: calls.append(captured[HookRef(1)].clone())
            )
            direction_list = [LayerDirection(HookRef(1), direction)]
            try:
                with (
                    steering(tiny, direction_list, 1.0 if steered else 0.0, positions, len(prompt)),
                    torch.no_grad(),
                ):
                    tiny.hf.generate(
                        input_ids=torch.tensor([prompt], device=tiny.device),
                        max_new_tokens=2,
                        do_sample=False,
                        pad_token_id=tiny.pad_token_id,
                    )
            finally:
                handle.remove()
        return calls

    baseline, steered = layer_outputs(False), layer_outputs(True)
    assert baseline[0].shape[1] == len(prompt)  # the first forward is the prefill
    assert (not torch.equal(baseline[0], steered[0])) == prefill_steered


@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
def test_per_row_strengths_in_one_batch_equal_rows_run_alone(
    tiny: LoadedModel, direction, engine
) -> None:
    prompts = [
        tiny.formatter.chat_ids([{"role": "user", "content": "Hi"}]),
        tiny.formatter.chat_ids([{"role": "user", "content": "A much longer question here?"}]),
        tiny.formatter.chat_ids([{"role": "user", "content": "Medium one"}]),
    ]
    rows = [prompts[0], prompts[0], prompts[1], prompts[1], prompts[2]]
    strengths = [0.0, 2.0, -2.0, 0.0, 1.0]
    plan = plan_for(direction, "all", engine)
    settings = GenerationSettings(max_new_tokens=10)
    together = generate_rows(tiny, rows, strengths, plan, settings, seed=0)
    alone = [
        generate_rows(tiny, [r], [s], plan, settings, seed=0)[0]
        for r, s in zip(rows, strengths, strict=True)
    ]
    assert [g.tokens for g in together] == [g.tokens for g in alone]
    unsteered = generate_rows(tiny, rows, [0.0] * len(rows), None, settings, seed=0)
    assert together[0].tokens == unsteered[0].tokens
    assert together[1].tokens != unsteered[1].tokens


def test_padding_sides() -> None:
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0, side="left")
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0, side="right")
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
