"""Bad input found while a job prepares: a SteerError naming the problem and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from steer.cli.config_errors import check_overrides, compose_config
from steer.errors import SteerError
from steer.models.loaders import load_tiny_random
from steer.runs.runner import prepare
from steer.vectors.contrast import build_contrast

TINY = ["debug=tiny", "vectors.reference_limit=4"]


@pytest.fixture(scope="module")
def narrow_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    other = load_tiny_random(n_layers=4, d_model=32, seed=0)
    path = tmp_path_factory.mktemp("bank") / "narrow.safetensors"
    build_contrast(other, "x", ["good"], ["bad"], reference_limit=2).save(path)
    return path


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
        (["task.path=DUPLICATES"], "id 'a' appears twice"),
        (["vectors.positive=[]"], "needs at least one positive and one negative text"),
    ],
)
def test_bad_input_names_problem_and_fix(
    tmp_path: Path, narrow_bank: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty.txt").write_text("\n")
    (tmp_path / "broken.jsonl").write_text('{"prompt": "a"}\n{"prompt": \n')
    (tmp_path / "dups.jsonl").write_text('{"id": "a", "prompt": "x"}\n{"id": "a", "prompt": "y"}\n')
    (tmp_path / "damaged.safetensors").write_bytes(b"not a tensor file")
    (tmp_path / "damaged.json").write_text(narrow_bank.with_suffix(".json").read_text())
    replacements = {
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
