"""Bad input found while a job prepares: a SteerError naming the problem and the fix."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from steer.cli.config_errors import check_overrides, compose_config
from steer.cli.run_app import APPS
from steer.errors import SteerError
from steer.models.loaders import load_tiny_random
from steer.runs.setup import prepare
from steer.vectors.contrast import build_contrast

TINY = ["debug=tiny", "vectors.reference_limit=4"]


@pytest.fixture(scope="module")
def narrow_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    other = load_tiny_random(n_layers=4, d_model=32, seed=0)
    path = tmp_path_factory.mktemp("bank") / "narrow.safetensors"
    build_contrast(other, "x", ["good"], ["bad"], reference_limit=2).save(path)
    return path


@pytest.fixture(scope="module")
def broken_banks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Vector files for the tiny model that load but must not steer: NaN values, zero layer
    norms, a default layer outside the set."""
    folder = tmp_path_factory.mktemp("broken")
    model = load_tiny_random(n_layers=4, d_model=64, seed=0)
    good = build_contrast(model, "x", ["good"], ["bad"], reference_limit=2)
    nan = replace(good, vectors=torch.full_like(good.vectors, math.nan))
    zero = replace(good, layer_norms=torch.zeros_like(good.layer_norms))
    bad_layer = replace(good, default_layer=9)
    for name, vectors in (("nan", nan), ("zero_norms", zero), ("bad_layer", bad_layer)):
        vectors.save(folder / f"{name}.safetensors")
    return folder


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["steering.layers=[40]"], "layer 40 is out of range for a model with 4 layers"),
        (["steering.vector=angry"], "unknown vector 'angry'; choose one of: happy_vs_sad"),
        (["task.path=missing.txt"], "prompt file missing.txt does not exist"),
        (["task.path=EMPTY"], "holds no prompts"),
        (["task.path=BROKEN"], "line 2 is not valid JSON"),
        (["steering.positions=middle"], "expected one of \\[all, prompt, generated\\]"),
        (["steering.unit=watts"], "expected one of \\[norm, raw\\]"),
        (["steering.engine=fast"], "expected one of \\[hf, bridge\\]"),
        (["steering.layers=[]"], "no steering layers given"),
        (["vectors=file", "vectors.path=NARROW"], "vector width 32 does not match"),
        (["vectors=file", "vectors.path=nowhere.safetensors"], "does not exist"),
        (["vectors=file", "vectors.path=DAMAGED"], "is damaged or not a steer vector set"),
        (["vectors=file"], "vectors.path has no value"),
        (["model=hf"], "model.name has no value"),
        (["model.dtype=float64"], "unknown model.dtype 'float64'"),
        (["generation.max_new_tokens=0"], "max_new_tokens must be at least 1"),
        (["generation=sample", "generation.temperature=0"], "temperature must be > 0"),
        (["task.path=DUPLICATES"], "line 2 repeats the id 'a' of line 1"),
        (["vectors.positive=[]"], "needs at least one positive and one negative text"),
        # issue 13: non-finite and out-of-range numbers, before they reach the model
        (["steering.strengths=[nan]"], r"steering.strengths\[0\] is nan, not a finite number"),
        (["steering.strengths=[0.1,inf]"], r"steering.strengths\[1\] is inf"),
        (["steering.strengths=[1e300]"], "holds 1e\\+300, which adds .* times the mean residual"),
        (["steering.strengths=[11]"], "more than 10 times only gives noise"),
        (["steering.strengths=[0.1,-1e300]"], "holds -1e\\+300, which adds"),
        (["steering.unit=raw", "steering.strengths=[1e6]"], r"choose \|strength\| <= .*unit=raw"),
        (["generation=sample", "generation.temperature=inf"], "generation.temperature is inf"),
        (["sandbox.wall_s=nan"], "sandbox.wall_s is nan"),
        (["vectors=file", "vectors.path=NANBANK"], "holds NaN or infinite values"),
        (["vectors=file", "vectors.path=ZERONORMS"], "layer_norms that are not positive"),
        (["vectors=file", "vectors.path=BADLAYER"], "vector file .* names default_layer 9, out"),
        # issue 13: files that are binary or directories, prompts past the context, no CUDA
        (["task.path=BINARY"], "prompt file .* is a binary file"),
        (["task.path=DIRECTORY"], "prompt file .* is a directory, not a file"),
        (["vectors=file", "vectors.path=DIRECTORY"], "vector file .* is a directory, not a file"),
        (["task.path=HUGE"], "prompt 'p000' has 3,000,000 characters, more than the model's"),
        (["task.path=LONG"], "prompt 'p000' is 3,0.. tokens; with generation.max_new_tokens=6"),
        (["generation.max_new_tokens=5000"], "leaves no room for a prompt"),
        (["task.prompts=[Hi]", "task.path=EMPTY"], "both task.prompts and task.path are given"),
        (["model.device=cuda"], "model.device=cuda, but this torch .* was built without CUDA"),
    ],
)
def test_bad_input_names_problem_and_fix(
    tmp_path: Path, narrow_bank: Path, broken_banks: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty.txt").write_text("\n")
    (tmp_path / "broken.jsonl").write_text('{"prompt": "a"}\n{"prompt": \n')
    (tmp_path / "dups.jsonl").write_text('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n')
    (tmp_path / "damaged.safetensors").write_bytes(b"not a tensor file")
    (tmp_path / "damaged.json").write_text(narrow_bank.with_suffix(".json").read_text())
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    (tmp_path / "huge.txt").write_text("x" * 3_000_000 + "\n")
    (tmp_path / "long.txt").write_text("ab " * 1_000 + "\n")
    (tmp_path / "dir.txt").mkdir()
    replacements = {
        "NANBANK": str(broken_banks / "nan.safetensors"),
        "ZERONORMS": str(broken_banks / "zero_norms.safetensors"),
        "BADLAYER": str(broken_banks / "bad_layer.safetensors"),
        "BINARY": str(tmp_path / "binary.txt"),
        "HUGE": str(tmp_path / "huge.txt"),
        "LONG": str(tmp_path / "long.txt"),
        "DIRECTORY": str(tmp_path / "dir.txt"),
        "DAMAGED": str(tmp_path / "damaged.safetensors"),
        "DUPLICATES": str(tmp_path / "dups.jsonl"),
        "NARROW": str(narrow_bank),
        "EMPTY": str(tmp_path / "empty.txt"),
        "BROKEN": str(tmp_path / "broken.jsonl"),
    }
    for old, new in replacements.items():
        args = [a.replace(old, new) for a in args]
    base = ["debug=tiny"] if "vectors=file" in args else TINY
    overrides = [*base, *args]
    with pytest.raises(SteerError, match=message) as caught:
        check_overrides(overrides)  # what `steer run` checks before Hydra starts
        prepare(compose_config(overrides))  # what the job checks before generating
    assert "; " in caught.value.one_line() and "\n" not in caught.value.one_line()


def test_valid_keys_follow_the_chosen_group() -> None:
    with pytest.raises(SteerError, match=r"valid keys under vectors: path$"):
        check_overrides(["vectors=file", "vectors.reference_limit=4"])


@pytest.mark.parametrize(
    ("command", "override"),
    [
        ("extract", "stimuli.more_stories=abc"),
        ("export", "export.strength=abc"),
        ("inspect", "inspect.z_threshold=abc"),
        ("run", "seed=abc"),
    ],
)
def test_a_bad_value_names_the_command_that_shows_its_config(command: str, override: str) -> None:
    config_name = APPS[command][0]  # the config `steer COMMAND` composes
    with pytest.raises(SteerError, match=r"invalid value for '.+'") as caught:
        check_overrides([override], config_name)
    assert caught.value.fix == f"see `steer {command} --cfg job` for the expected types"
