"""GGUF control vectors: what `steer export` writes is what llama.cpp and repeng read, and
reading it back as `vectors=file` steers bit for bit as the original plan did."""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest
import torch

from steer.errors import SteerError
from steer.interop.export import export_name, export_plan
from steer.models.loaded import LoadedModel
from steer.models.loaders import load_tiny_random
from steer.steering import Engine, steering
from steer.steering.plan import SteeringPlan, make_plan
from steer.vectors.gguf_format import ControlVector, file_sha256, write_control_vector
from steer.vectors.vector_set import VectorSet, load_checked
from tests.helpers import import_repeng, random_vector_set

RepengVector = import_repeng().ControlVector

STRENGTH = 0.3
LAYERS = [1, 3]


def exported_plan(tiny: LoadedModel, path: Path) -> tuple[SteeringPlan, VectorSet]:
    vectors = random_vector_set(tiny, ["happy", "sad"])
    plan = make_plan(vectors, ["happy", "-sad"], LAYERS, "all", "norm", Engine.hf)
    export_plan(plan, vectors, tiny, STRENGTH, path)
    return plan, vectors


def logits_with(tiny: LoadedModel, plan: SteeringPlan, strength: float) -> torch.Tensor:
    ids = torch.tensor([tiny.formatter.text_ids("The weather today is")])
    with steering(tiny, plan.directions, strength), torch.no_grad():
        return tiny.hf(input_ids=ids).logits


def test_export_then_import_round_trips_bit_exactly(tiny: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "happy_minus_sad.gguf"
    plan, _ = exported_plan(tiny, path)
    back = load_checked(tiny, str(path))
    assert back.names == ["happy_minus_sad"]
    raw = make_plan(back, back.names[0], LAYERS, "all", "raw", Engine.hf)
    scale = torch.tensor([STRENGTH])
    for original, read in zip(plan.directions, raw.directions, strict=True):
        assert torch.equal(read.direction, scale * original.direction)
    untouched = [layer for layer in range(tiny.n_layers) if layer not in LAYERS]
    assert torch.count_nonzero(back.vectors[0, untouched]) == 0
    # the imported vector at strength 1 (raw) steers bit for bit as the plan at STRENGTH
    assert torch.equal(logits_with(tiny, raw, 1.0), logits_with(tiny, plan, STRENGTH))


def test_the_norm_unit_of_an_imported_vector_is_the_source_banks(
    tiny: LoadedModel, tmp_path: Path
) -> None:
    path = tmp_path / "v.gguf"
    _, vectors = exported_plan(tiny, path)
    back = load_checked(tiny, str(path))
    assert torch.equal(back.layer_norms, vectors.layer_norms)
    normed = make_plan(back, back.names[0], [3], "all", "norm", Engine.hf)
    assert torch.isclose(normed.directions[0].direction.norm(), vectors.layer_norms[3])


def test_the_file_is_a_llama_cpp_control_vector(tiny: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "v.gguf"
    exported_plan(tiny, path)
    reader = gguf.GGUFReader(str(path))
    assert reader.get_field("general.architecture").contents() == "controlvector"
    assert reader.get_field("controlvector.model_hint").contents() == "llama"
    assert reader.get_field("controlvector.layer_count").contents() == len(LAYERS)
    assert [t.name for t in reader.tensors] == ["direction.1", "direction.3"]
    for tensor in reader.tensors:
        assert tensor.tensor_type == gguf.GGMLQuantizationType.F32
        assert list(tensor.shape) == [tiny.d_model]


def test_repeng_reads_what_steer_export_writes(tiny: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "v.gguf"
    plan, _ = exported_plan(tiny, path)
    read = RepengVector.import_gguf(str(path))
    assert read.model_type == "llama"
    assert sorted(read.directions) == LAYERS
    for direction in plan.directions:
        expected = (torch.tensor([STRENGTH]) * direction.direction).numpy()
        assert np.array_equal(read.directions[direction.ref.layer], expected)


def test_steer_reads_what_repeng_writes(tiny: LoadedModel, tmp_path: Path) -> None:
    """repeng's direction.k is read and added at model.layers[k]'s output: steer's
    resid_post of layer k. A file without a sidecar is named by its stem; its norm unit is
    measured on the model."""
    values = np.random.default_rng(0).standard_normal(tiny.d_model).astype(np.float32)
    path = tmp_path / "honest.gguf"
    RepengVector(model_type="llama", directions={2: values}).export_gguf(str(path))
    vectors = load_checked(tiny, str(path))
    assert vectors.names == ["honest"]
    assert torch.equal(vectors.vectors[0, 2], torch.from_numpy(values))
    assert torch.count_nonzero(vectors.vectors[0, [0, 1, 3]]) == 0
    assert vectors.default_layer == 2
    assert bool((vectors.layer_norms > 0).all())


def test_the_sidecar_carries_provenance_and_refuses_another_model(
    tiny: LoadedModel, tmp_path: Path
) -> None:
    path = tmp_path / "v.gguf"
    exported_plan(tiny, path)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["vector"] == "happy,-sad"
    assert sidecar["strength"] == STRENGTH and sidecar["unit"] == "norm"
    assert sidecar["gguf_layers"] == LAYERS
    assert sidecar["gguf_sha256"] == file_sha256(path)
    assert sidecar["provenance"]["weights_hash"] == tiny.weights_hash
    other = load_tiny_random(n_layers=4, d_model=64, seed=1)
    with pytest.raises(SteerError, match="not on the loaded weights"):
        load_checked(other, str(path))


def test_a_sidecar_of_another_file_is_refused(tiny: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "v.gguf"
    exported_plan(tiny, path)
    values = {1: np.ones(tiny.d_model, dtype=np.float32)}
    write_control_vector(path, ControlVector("llama", values))  # the sidecar is now stale
    with pytest.raises(SteerError, match="describes another file"):
        load_checked(tiny, str(path))


def test_block_zero_cannot_be_exported(tiny: LoadedModel, tmp_path: Path) -> None:
    vectors = random_vector_set(tiny, ["happy"])
    plan = make_plan(vectors, "happy", [0], "all", "norm", Engine.hf)
    with pytest.raises(SteerError, match="output of block 0"):
        export_plan(plan, vectors, tiny, 0.1, tmp_path / "v.gguf")


@pytest.mark.parametrize(
    ("architecture", "tensor", "message"),
    [
        ("llama", "direction.1", "not a control vector"),
        ("controlvector", "direction.0", "direction.1 and later"),
        ("controlvector", "token_embd.weight", "no direction.k"),
    ],
)
def test_files_llama_cpp_would_refuse_are_refused(
    tiny: LoadedModel, tmp_path: Path, architecture: str, tensor: str, message: str
) -> None:
    path = tmp_path / "bad.gguf"
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_tensor(tensor, np.ones(tiny.d_model, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(SteerError, match=message):
        load_checked(tiny, str(path))


def test_a_vector_of_another_width_is_refused(tiny: LoadedModel, tmp_path: Path) -> None:
    path = tmp_path / "wide.gguf"
    write_control_vector(path, ControlVector("llama", {1: np.ones(32, dtype=np.float32)}))
    with pytest.raises(SteerError, match="32-wide"):
        load_checked(tiny, str(path))


def test_export_names_keep_the_signs() -> None:
    assert export_name("happy,-sad") == "happy_minus_sad"
    assert export_name("-calm") == "minus_calm"
    assert export_name("desperate,calm") == "desperate_plus_calm"
