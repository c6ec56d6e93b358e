"""Vector sets: activations, contrast vectors, units, saving and compatibility checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from steer.activations import TokenWindow, text_activations
from steer.choices import Engine, Site
from steer.errors import SteerError
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.models.loaders import load_tiny_random
from steer.steering.plan import make_plan
from steer.steering.probe import parse_terms
from steer.vectors.contrast import build_contrast
from steer.vectors.norms import default_layer
from steer.vectors.vector_set import VectorSet, load_checked

TEXTS = ["A short one.", "A rather longer sentence with more words in it.", "Mid length text."]


def small_set(model: LoadedModel) -> VectorSet:
    generator = torch.Generator().manual_seed(3)
    return VectorSet(
        names=["happy", "calm", "desperate"],
        vectors=torch.randn(3, model.n_layers, model.d_model, generator=generator),
        layer_norms=torch.arange(1, model.n_layers + 1, dtype=torch.float32),
        site=Site.resid_post,
        default_layer=default_layer(model.n_layers),
        provenance={"model_id": model.model_id, "weights_hash": model.weights_hash},
    )


def test_masked_batch_equals_one_text_at_a_time(tiny: LoadedModel) -> None:
    ids = [tiny.formatter.text_ids(t) for t in TEXTS]
    refs = [HookRef(layer) for layer in range(tiny.n_layers)]
    batched = text_activations(tiny, ids, refs, TokenWindow(start=3), batch_size=3)
    alone = [text_activations(tiny, [i], refs, TokenWindow(start=3), batch_size=1) for i in ids]
    for index, single in enumerate(alone):
        assert torch.allclose(batched.means[index], single.means[0], atol=1e-5)
        assert torch.allclose(batched.norms[index], single.norms[0], atol=1e-4)


def test_token_window_skips_bos_and_falls_back_to_the_second_half() -> None:
    assert TokenWindow(start=50).span(120) == (50, 120)
    assert TokenWindow(start=50).span(30) == (15, 30)
    assert TokenWindow(start=1).span(2) == (1, 2)
    assert TokenWindow(start=50).span(2) == (1, 2)


def test_contrast_vector_is_the_difference_of_means(tiny: LoadedModel) -> None:
    vectors = build_contrast(tiny, "pos_vs_neg", TEXTS[:2], TEXTS[2:], reference_limit=4)
    ids = [tiny.formatter.text_ids(t) for t in TEXTS]
    refs = [HookRef(layer) for layer in range(tiny.n_layers)]
    means = text_activations(tiny, ids, refs, TokenWindow(start=1)).means
    expected = means[:2].mean(0) - means[2:].mean(0)
    assert torch.allclose(vectors.vector("pos_vs_neg"), expected, atol=1e-5)
    assert vectors.provenance["weights_hash"] == tiny.weights_hash
    assert (vectors.layer_norms > 0).all()


def test_norm_unit_scales_to_the_layer_norm_and_raw_keeps_the_vector(tiny: LoadedModel) -> None:
    vectors = small_set(tiny)
    norm_plan = make_plan(vectors, "calm", [1, 2], "all", "norm", Engine.hf)
    for direction in norm_plan.directions:
        expected_length = vectors.layer_norms[direction.ref.layer]
        assert torch.isclose(direction.direction.norm(), expected_length, atol=1e-5)
    raw_plan = make_plan(vectors, "calm", [1], "all", "raw", Engine.hf)
    assert torch.equal(raw_plan.directions[0].direction, vectors.vector("calm")[1])


def test_several_vectors_combine_with_signs(tiny: LoadedModel) -> None:
    vectors = small_set(tiny)
    plan = make_plan(vectors, ["desperate", "-calm"], [2], "all", "raw", Engine.hf)
    expected = vectors.vector("desperate")[2] - vectors.vector("calm")[2]
    assert torch.allclose(plan.directions[0].direction, expected)
    assert plan.label == "desperate,-calm"
    assert [t.sign for t in parse_terms(["+happy", "-calm"])] == [1.0, -1.0]


def test_default_layer_is_two_thirds_of_the_depth() -> None:
    assert default_layer(30) == 20
    assert default_layer(18) == 12
    assert default_layer(4) == 3


def test_unknown_vector_names_the_choices(tiny: LoadedModel) -> None:
    with pytest.raises(SteerError, match=r"unknown vector 'angry'.*happy, calm, desperate"):
        make_plan(small_set(tiny), "angry", None, "all", "norm", Engine.hf)


def test_opposite_signs_of_one_vector_cannot_be_normalised(tiny: LoadedModel) -> None:
    with pytest.raises(SteerError, match="is zero at layer"):
        make_plan(small_set(tiny), ["calm", "-calm"], [1], "all", "norm", Engine.hf)


def test_vector_set_round_trips_with_provenance(tiny: LoadedModel, tmp_path: Path) -> None:
    original = small_set(tiny)
    original.provenance["stimuli"] = {"texts_hash": "abc"}
    path = tmp_path / "bank.safetensors"
    original.save(path)
    loaded = load_checked(tiny, str(path))
    assert loaded.names == original.names
    assert torch.equal(loaded.vectors, original.vectors)
    assert torch.equal(loaded.layer_norms, original.layer_norms)
    assert loaded.provenance == original.provenance
    assert (loaded.site, loaded.default_layer) == (original.site, original.default_layer)


def test_vectors_from_another_model_are_refused(tiny: LoadedModel, tmp_path: Path) -> None:
    wider = load_tiny_random(n_layers=4, d_model=32, n_heads=4, n_kv_heads=2, seed=0)
    with pytest.raises(SteerError, match="width 32 does not match the model's width 64"):
        small_set(wider).check_compatible(tiny)
    deeper = load_tiny_random(n_layers=6, d_model=64, seed=0)
    with pytest.raises(SteerError, match="cover 6 layers but the model has 4"):
        small_set(deeper).check_compatible(tiny)
    other_seed = load_tiny_random(n_layers=4, d_model=64, seed=7)
    with pytest.raises(SteerError, match="not on the loaded weights"):
        small_set(other_seed).check_compatible(tiny)


def test_damaged_or_missing_files_are_refused(tiny: LoadedModel, tmp_path: Path) -> None:
    with pytest.raises(SteerError, match="does not exist"):
        load_checked(tiny, str(tmp_path / "none.safetensors"))
    path = tmp_path / "bank.safetensors"
    small_set(tiny).save(path)
    path.with_suffix(".json").write_text("{not json")
    with pytest.raises(SteerError, match="damaged"):
        load_checked(tiny, str(path))
