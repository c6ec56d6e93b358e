"""Steering properties on the embedded real models (SmolLM2-135M-Instruct, Gemma-3-270M,
Qwen2.5-Coder-0.5B-Instruct).

Device-aware: ``STEER_TEST_DEVICE=cuda`` runs them on a GPU (docs/gpu.md)."""

from __future__ import annotations

import pytest
import torch

from steer.generation import generate_rows
from steer.generation_settings import GenerationSettings
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.steering import Engine, steering
from steer.steering.intervention import check_refs_fire, generating_model
from steer.steering.plan import make_plan
from steer.vectors.contrast import build_contrast
from steer.vectors.vector_set import VectorSet

HAPPY = ["We laughed and danced all evening; it was a wonderful, joyful party."]
SAD = ["We sat in silence all evening; it was a miserable, heartbreaking night."]
QUESTIONS = ["How are you feeling today?", "Tell me about your weekend.", "Describe the sea."]


@pytest.fixture(scope="module", params=["smollm2", "gemma3", "qwen05"])
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
    check_refs_fire(model, [ref], Engine.hf)
    check_refs_fire(model, [ref], Engine.bridge)


def test_zero_strength_rows_equal_the_unsteered_baseline_token_for_token(
    model_and_vectors,
) -> None:
    model, vectors = model_and_vectors
    plan = make_plan(vectors, "happy_vs_sad", None, "all", "norm", Engine.hf)
    prompts = [chat(model, q) for q in QUESTIONS]
    settings = GenerationSettings(max_new_tokens=16)
    mixed = generate_rows(model, prompts * 2, [0.0] * 3 + [0.3] * 3, plan, settings, seed=0)
    baseline = generate_rows(model, prompts, [0.0] * 3, None, settings, seed=0)
    assert [g.tokens for g in mixed[:3]] == [g.tokens for g in baseline]
    assert [g.tokens for g in mixed[3:]] != [g.tokens for g in baseline]


def test_batched_rows_equal_rows_run_alone(model_and_vectors) -> None:
    model, vectors = model_and_vectors
    plan = make_plan(vectors, "happy_vs_sad", None, "all", "norm", Engine.hf)
    prompts = [chat(model, q) for q in QUESTIONS]
    strengths = [-0.2, 0.0, 0.2]
    settings = GenerationSettings(max_new_tokens=16)
    together = generate_rows(model, prompts, strengths, plan, settings, seed=0)
    alone = [
        generate_rows(model, [p], [s], plan, settings, seed=0)[0]
        for p, s in zip(prompts, strengths, strict=True)
    ]
    assert [g.tokens for g in together] == [g.tokens for g in alone]


def test_both_engines_steer_the_same(model_and_vectors) -> None:
    model, vectors = model_and_vectors
    ids = torch.tensor([chat(model, QUESTIONS[0])], device=model.device)
    results = []
    for engine in (Engine.hf, Engine.bridge):
        plan = make_plan(vectors, "happy_vs_sad", None, "all", "norm", engine)
        with steering(model, plan.directions, 0.2, engine=engine), torch.no_grad():
            results.append(generating_model(model, engine)(input_ids=ids).logits)
    assert torch.allclose(results[0], results[1], atol=1e-3)


@pytest.mark.parametrize("engine", [Engine.hf, Engine.bridge])
@pytest.mark.parametrize("positions", ["prompt", "generated"])
def test_steered_positions_under_the_cache_equal_a_recomputation(
    qwen05: LoadedModel, positions: str, engine: Engine
) -> None:
    """The transformers 5.25 trap on a real model: prompt-only or generated-only steering under
    the KV cache gives the logits of one uncached pass over the same tokens."""
    vectors = build_contrast(qwen05, "happy_vs_sad", HAPPY, SAD, reference_limit=8)
    plan = make_plan(vectors, "happy_vs_sad", None, positions, "norm", engine)  # type: ignore[arg-type]
    prompt = chat(qwen05, QUESTIONS[1])
    model = generating_model(qwen05, engine)
    with steering(qwen05, plan.directions, 0.3, positions, len(prompt), engine), torch.no_grad():  # type: ignore[arg-type]
        out = model.generate(
            input_ids=torch.tensor([prompt]),
            max_new_tokens=6,
            do_sample=False,
            output_logits=True,
            return_dict_in_generate=True,
            pad_token_id=qwen05.pad_token_id,
            eos_token_id=None,
        )
        full = model(input_ids=out.sequences, use_cache=False).logits[0, len(prompt) - 1 : -1]
    cached = torch.stack(out.logits, dim=1)[0]
    assert (cached - full).abs().max() / full.abs().max() < 1e-3


@pytest.mark.parametrize("option", ["smollm2_135m_instruct", "gemma3_270m"])  # qwen: fixture
def test_the_model_configs_instantiate(option: str) -> None:
    from hydra.utils import instantiate

    from steer.cli.config_errors import compose_config

    model = instantiate(compose_config([f"model={option}"]).model)
    assert isinstance(model, LoadedModel)
    assert model.n_layers == {"smollm2_135m_instruct": 30, "gemma3_270m": 18}[option]


def test_readouts_on_the_qwen_coder_tell_happy_from_sad_text(qwen05: LoadedModel) -> None:
    from steer.transcript_readouts import TranscriptReader

    vectors = build_contrast(qwen05, "happy_vs_sad", HAPPY, SAD, reference_limit=8)
    reader = TranscriptReader(qwen05, vectors, ("happy_vs_sad",), vectors.default_layer)
    prompt = chat(qwen05, "How was the party?")
    replies = [
        "It was the best night of my life, full of laughter, music and friends!",
        "It was awful. Nobody came, and I cried alone until morning.",
    ]
    pairs = [(prompt, qwen05.formatter.tokenizer.encode(r)) for r in replies]
    happy, sad = (r["reply_mean"]["happy_vs_sad"] for r in reader.read(pairs))
    assert happy is not None and sad is not None and happy > sad
