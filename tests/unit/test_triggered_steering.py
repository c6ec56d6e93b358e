"""Readout-triggered steering on the tiny model: it fires exactly where the unsteered readout
exceeds the threshold, steers exactly there, and decides the same under the KV cache as in
one uncached pass, per row of a batch."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from steer.activations import capturing, run_decoder
from steer.cli.config_errors import compose_config
from steer.compare.cli import compare
from steer.errors import SteerError
from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.hooks import HookRef
from steer.jobs.run import run
from steer.models.loaded import LoadedModel
from steer.steering import Engine, steering
from steer.steering.intervention import generating_model
from steer.steering.plan import SteeringPlan, make_plan
from steer.steering.probe import Probe, make_probe
from steer.steering.trigger import Trigger, TriggerState
from steer.steering.trigger_setup import TriggerSpec, make_trigger, neutral_readout_stats
from steer.vectors.norms import reference_ids
from steer.vectors.vector_set import VectorSet
from tests.helpers import random_vector_set

MONITOR, STEERED = 1, 2
PROMPTS = ["Once upon a time", "The weather in the mountains is"]
STRENGTH = 4.0
SETTINGS = GenerationSettings(max_new_tokens=10)


def unsteered_readouts(tiny: LoadedModel, probe: Probe, ids: list[int]) -> torch.Tensor:
    with capturing(tiny, [probe.ref]) as captured, torch.no_grad():
        run_decoder(tiny, [probe.ref], torch.tensor([ids]))
        return probe.values(captured[probe.ref][0])


def threshold_in_a_gap(values: torch.Tensor) -> float:
    """A threshold near the median that sits in the widest gap nearby, so that rounding
    differences between passes cannot move a value across it."""
    ordered = values.sort().values
    middle = len(ordered) // 2
    window = range(max(1, middle - 3), min(len(ordered), middle + 4))
    best = max(window, key=lambda i: float(ordered[i] - ordered[i - 1]))
    return float((ordered[best] + ordered[best - 1]) / 2)


def triggered_plan(
    tiny: LoadedModel, latch: bool = False, engine: Engine = Engine.hf
) -> tuple[SteeringPlan, VectorSet]:
    vectors = random_vector_set(tiny, ["happy", "calm"])
    plan = make_plan(vectors, "happy", [STEERED], "all", "raw", engine)
    probe = make_probe(vectors, "calm", MONITOR)
    ids = tiny.formatter.chat_ids([{"role": "user", "content": PROMPTS[0]}])
    threshold = threshold_in_a_gap(unsteered_readouts(tiny, probe, ids))
    trigger = Trigger(probe, threshold, latch, {"threshold_unit": "readout"})
    return replace(plan, trigger=trigger), vectors


def chat(tiny: LoadedModel, text: str) -> list[int]:
    return tiny.formatter.chat_ids([{"role": "user", "content": text}])


@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
def test_it_fires_exactly_on_the_tokens_whose_unsteered_readout_is_over_threshold(
    tiny: LoadedModel, engine: Engine
) -> None:
    plan, _ = triggered_plan(tiny, engine=engine)
    assert plan.trigger is not None
    prompt = chat(tiny, PROMPTS[0])
    reply = generate_rows(tiny, [prompt], [STRENGTH], plan, SETTINGS, seed=0)[0]
    record = reply.trigger
    assert record is not None
    # The monitor sits before the steered layer, so the readouts it decided on are those of
    # the unsteered model over the same tokens.
    values = unsteered_readouts(tiny, plan.trigger.probe, [*prompt, *reply.tokens])
    over = values > plan.trigger.threshold
    producing = over[len(prompt) - 1 : len(prompt) - 1 + len(reply.tokens)]
    assert record["fired"] == [int(j) for j in torch.nonzero(producing).flatten()]
    assert record["prompt_fired"] == int(over[: len(prompt)].sum())
    assert 0 < len(record["fired"]) + record["prompt_fired"] < len(values)
    expected = values[len(prompt) - 1 : len(prompt) - 1 + len(reply.tokens)]
    assert torch.allclose(torch.tensor(record["readout"]), expected, atol=1e-3)


def test_it_steers_exactly_where_it_fired(tiny: LoadedModel) -> None:
    plan, _ = triggered_plan(tiny)
    assert plan.trigger is not None
    ids = torch.tensor([chat(tiny, PROMPTS[1])])
    steered_ref = HookRef(STEERED)
    with capturing(tiny, [steered_ref]) as captured, torch.no_grad():
        tiny.hf(input_ids=ids)
        before = captured[steered_ref].clone()
        gate = TriggerState(plan.trigger, [0])
        with steering(tiny, plan.directions, STRENGTH, gate=gate):
            tiny.hf(input_ids=ids)
        after = captured[steered_ref]
    fired = gate.fired()[0]
    assert 0 < int(fired.sum()) < ids.shape[1]
    added = STRENGTH * plan.directions[0].direction
    assert torch.allclose(after[0, fired], before[0, fired] + added, atol=1e-5)
    assert torch.equal(after[0, ~fired], before[0, ~fired])


@pytest.mark.parametrize("latch", [False, True])
@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
def test_cached_generation_agrees_with_one_uncached_pass(
    tiny: LoadedModel, latch: bool, engine: Engine
) -> None:
    plan, _ = triggered_plan(tiny, latch=latch, engine=engine)
    assert plan.trigger is not None
    prompt = chat(tiny, PROMPTS[0])
    model = generating_model(tiny, engine)
    cached_gate = TriggerState(plan.trigger, [0])
    with steering(tiny, plan.directions, STRENGTH, engine=engine, gate=cached_gate):
        out = model.generate(
            input_ids=torch.tensor([prompt]),
            max_new_tokens=8,
            do_sample=False,
            output_scores=True,
            return_dict_in_generate=True,
            pad_token_id=tiny.pad_token_id,
            eos_token_id=None,
        )
    sequence = out.sequences
    full_gate = TriggerState(plan.trigger, [0])
    with steering(tiny, plan.directions, STRENGTH, engine=engine, gate=full_gate), torch.no_grad():
        full = model(input_ids=sequence, use_cache=False).logits
    seen = cached_gate.fired().shape[1]  # the last generated token is never fed back
    assert torch.equal(cached_gate.fired(), full_gate.fired()[:, :seen])
    cached = torch.stack(out.scores)[:, 0]
    recomputed = full[0, len(prompt) - 1 : -1]
    assert torch.allclose(cached, recomputed, atol=1e-4)
    if latch:
        decisions = full_gate.fired()[0].int()
        assert torch.equal(decisions, torch.cummax(decisions, dim=0).values)


def test_each_row_of_a_batch_decides_for_itself_and_padding_never_fires(
    tiny: LoadedModel,
) -> None:
    plan, _ = triggered_plan(tiny)
    prompts = [chat(tiny, text) for text in PROMPTS]
    assert len(prompts[0]) != len(prompts[1])
    batched = generate_rows(tiny, prompts, [STRENGTH, 0.0], plan, SETTINGS, seed=0)
    for row, prompt in enumerate(prompts):
        strength = [STRENGTH, 0.0][row]
        alone = generate_rows(tiny, [prompt], [strength], plan, SETTINGS, seed=0)[0]
        assert batched[row].tokens == alone.tokens
        mine, theirs = batched[row].trigger, alone.trigger
        assert mine is not None and theirs is not None
        assert mine["fired"] == theirs["fired"]
        assert mine["prompt_fired"] == theirs["prompt_fired"]
        assert mine["prompt_tokens"] == len(prompt)


def test_a_latched_trigger_stays_on_for_the_rest_of_the_row() -> None:
    probe = Probe("x", HookRef(0), torch.tensor([1.0, 0.0]), None)
    gate = TriggerState(Trigger(probe, 0.5, latch=True), [1, 0])
    prefill = torch.tensor([[[9.0, 0], [0, 0], [0, 0]], [[0, 0], [1.0, 0], [0, 0]]])
    gate.observe(prefill, 0)  # row 0's first position is padding: it must not fire
    assert gate.fired().tolist() == [[False, False, False], [False, True, True]]
    gate.observe(torch.tensor([[[1.0, 0]], [[0.0, 0]]]), 3)
    gate.observe(torch.tensor([[[0.0, 0]], [[0.0, 0]]]), 4)
    assert gate.fired()[:, 3:].tolist() == [[True, True], [True, True]]


def test_a_monitor_that_would_read_steered_activations_is_refused(tiny: LoadedModel) -> None:
    vectors = random_vector_set(tiny, ["happy", "calm"])
    plan = make_plan(vectors, "happy", [1], "all", "raw", Engine.hf)
    spec = TriggerSpec(vector="calm", layer=2, threshold=0.0)
    with pytest.raises(SteerError, match="would read steered activations"):
        make_trigger(tiny, vectors, spec, plan.refs)


def test_a_z_threshold_is_the_neutral_mean_plus_z_standard_deviations(
    tiny: LoadedModel,
) -> None:
    vectors = random_vector_set(tiny, ["happy", "calm"])
    plan = make_plan(vectors, "happy", [STEERED], "all", "raw", Engine.hf)
    spec = TriggerSpec(vector=["calm", "-happy"], layer=MONITOR, threshold=1.5, unit="z")
    trigger = make_trigger(tiny, vectors, spec, plan.refs)
    values = torch.cat(
        [unsteered_readouts(tiny, trigger.probe, ids)[1:] for ids in reference_ids(tiny, 48)]
    )
    mean, spread = float(values.mean()), float(values.std(unbiased=False))
    assert trigger.how["neutral_mean"] == pytest.approx(mean, abs=1e-4)
    assert trigger.how["neutral_std"] == pytest.approx(spread, rel=1e-4)
    assert trigger.threshold == pytest.approx(mean + 1.5 * spread, rel=1e-4)
    assert neutral_readout_stats(tiny, trigger.probe)[2] == values.numel()


def test_a_triggered_run_records_where_it_fired_and_compare_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overrides = [
        "debug=tiny",
        "vectors.reference_limit=4",
        "task.prompts=[Hello there,How are you]",
        "steering.strengths=[0.5]",
        "steering.trigger.vector=happy_vs_sad",
        "steering.trigger.threshold=-1000",  # fires everywhere
    ]
    out = tmp_path / "run"
    metrics = run(compose_config(overrides), out, overrides)
    records = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    for record in records:
        trigger = record["attempts"][0]["trigger"]
        assert trigger["vector"] == "happy_vs_sad" and trigger["hook"] == "blocks.2.hook_resid_post"
        assert trigger["fired"] == list(range(record["n_tokens"]))
        assert record["metrics"]["trigger_fraction"] == 1.0
    assert metrics["trigger_fraction@+0.5"] == 1.0
    assert json.loads((out / "run.json").read_text())["steering"]["trigger"]["threshold"] == -1000
    compare(out, max_prompts=5)
    printed = capsys.readouterr().out
    assert "trigger, run run: happy_vs_sad at blocks.2.hook_resid_post > -1000" in printed
    assert 'id="trigger"' in (out / "report.html").read_text()
    assert (out / "compare" / "trigger_run.png").is_file()
