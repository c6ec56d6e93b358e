"""Steering properties on the embedded real models (SmolLM2-135M-Instruct, Gemma-3-270M).

Device-aware: ``STEER_TEST_DEVICE=cuda`` runs them on a GPU (docs/gpu.md)."""

from __future__ import annotations

import pytest
import torch

from steer.generation import GenerationSettings, generate_rows
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.steering import Engine
from steer.steering.intervention import check_refs_fire, generating_model
from steer.steering.plan import make_plan
from steer.vectors.contrast import build_contrast
from steer.vectors.vector_set import VectorSet

HAPPY = ["We laughed and danced all evening; it was a wonderful, joyful party."]
SAD = ["We sat in silence all evening; it was a miserable, heartbreaking night."]
QUESTIONS = ["How are you feeling today?", "Tell me about your weekend.", "Describe the sea."]


@pytest.fixture(scope="module", params=["smollm2", "gemma3"])
def model_and_vectors(request: pytest.FixtureRequest) -> tuple[LoadedModel, VectorSet]:
    model: LoadedModel = request.getfixturevalue(request.param)
    return model, build_contrast(model, "happy_vs_sad", HAPPY, SAD, reference_limit=8)


def chat(model: LoadedModel, text: str) -> list[int]:
    return model.formatter.chat_ids([{"role": "user", "content": text}])


def test_the_plain_view_shares_weights_with_the_bridge(model_and_vectors) -> None:
    model, _ = model_and_vectors
    plain = dict(model.hf.named_parameters())
    shared = {id(p) for p in model.bridged_hf.parameters()}
    assert all(id(p) in shared for p in plain.values())
    ids = torch.tensor([chat(model, QUESTIONS[0])], device=model.device)
    with torch.no_grad():
        a = model.hf(input_ids=ids).logits
        b = model.bridged_hf(input_ids=ids).logits
    assert torch.allclose(a, b, atol=1e-3)


def test_default_layer_hooks_exist_and_fire(model_and_vectors) -> None:
    model, vectors = model_and_vectors
    ref = HookRef(vectors.default_layer)
    assert ref.name in model.bridge.hook_dict
    check_refs_fire(model, [ref], Engine.HF)
    check_refs_fire(model, [ref], Engine.BRIDGE)


def test_zero_strength_rows_equal_the_unsteered_baseline_token_for_token(
    model_and_vectors,
) -> None:
    model, vectors = model_and_vectors
    plan = make_plan(vectors, "happy_vs_sad", None, "all", "norm", Engine.HF)
    prompts = [chat(model, q) for q in QUESTIONS]
    settings = GenerationSettings(max_new_tokens=16)
    mixed = generate_rows(model, prompts * 2, [0.0] * 3 + [0.3] * 3, plan, settings, seed=0)
    baseline = generate_rows(model, prompts, [0.0] * 3, None, settings, seed=0)
    assert [g.tokens for g in mixed[:3]] == [g.tokens for g in baseline]
    assert [g.tokens for g in mixed[3:]] != [g.tokens for g in baseline]


def test_batched_rows_equal_rows_run_alone(model_and_vectors) -> None:
    model, vectors = model_and_vectors
    plan = make_plan(vectors, "happy_vs_sad", None, "all", "norm", Engine.HF)
    prompts = [chat(model, q) for q in QUESTIONS]
    strengths = [-0.2, 0.0, 0.2]
    settings = GenerationSettings(max_new_tokens=16)
    together = generate_rows(model, prompts, strengths, plan, settings, seed=0)
    alone = [
        generate_rows(model, [p], [s], plan, settings, seed=0)[0]
        for p, s in zip(prompts, strengths, strict=True)
    ]
    assert [g.tokens for g in together] == [g.tokens for g in alone]


def test_both_engines_steer_the_same(smollm2: LoadedModel) -> None:
    vectors = build_contrast(smollm2, "happy_vs_sad", HAPPY, SAD, reference_limit=8)
    ids = torch.tensor([chat(smollm2, QUESTIONS[0])], device=smollm2.device)
    from steer.steering import steering

    results = []
    for engine in (Engine.HF, Engine.BRIDGE):
        plan = make_plan(vectors, "happy_vs_sad", [20], "all", "norm", engine)
        with steering(smollm2, plan.directions, 0.2, engine=engine), torch.no_grad():
            results.append(generating_model(smollm2, engine)(input_ids=ids).logits)
    assert torch.allclose(results[0], results[1], atol=1e-3)


@pytest.mark.parametrize("option", ["smollm2_135m_instruct", "gemma3_270m"])
def test_the_model_configs_instantiate(option: str) -> None:
    from hydra.utils import instantiate

    from steer.cli.config_errors import compose_config

    model = instantiate(compose_config([f"model={option}"]).model)
    assert isinstance(model, LoadedModel)
    assert model.n_layers == {"smollm2_135m_instruct": 30, "gemma3_270m": 18}[option]
