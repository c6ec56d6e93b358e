"""`steer extract`, `steer validate` and `steer read` end to end on the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import steer

EXTRACT = [
    "model=tiny_random",
    "vectors.emotions=[happy,sad,calm,desperate]",
    "vectors.start_token=10",
    "publish=false",
]


@pytest.fixture(scope="module")
def bank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extract") / "bank"
    result = steer("extract", *EXTRACT, f"hydra.run.dir={out}", cwd=out.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "held-out probe at layer 3" in result.stdout
    return out


def test_extract_writes_bank_stories_validation_and_figures(bank_dir: Path) -> None:
    for name in ("bank.safetensors", "bank.json", "stories.jsonl", "validation.json"):
        assert (bank_dir / name).is_file(), name
    for name in ("pca.png", "similarity.png", "probe_accuracy.png"):
        assert (bank_dir / name).stat().st_size > 10_000
    sidecar = json.loads((bank_dir / "bank.json").read_text())
    assert sidecar["names"] == ["happy", "sad", "calm", "desperate"]
    assert sidecar["provenance"]["model_config"]["_target_"].endswith("load_tiny_random")


def test_validate_rebuilds_the_report(bank_dir: Path, tmp_path: Path) -> None:
    result = steer("validate", str(bank_dir), "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    again = json.loads((tmp_path / "validation.json").read_text())
    first = json.loads((bank_dir / "validation.json").read_text())
    assert again["probe"]["by_layer"] == first["probe"]["by_layer"]
    assert again["cross_source"]["accuracy"] == first["cross_source"]["accuracy"]
    layer = again["cross_source"]["readout"]["layer"]
    assert f"cross-source test (readout at layer {layer}, 4 emotions, 24 held-out texts)" in (
        result.stdout
    )
    assert "bag of words" in result.stdout


def test_validate_given_the_bank_file_writes_beside_it(bank_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = Path(shutil.copytree(bank_dir, tmp_path / "copy"))
    (copy / "validation.json").unlink()
    result = steer("validate", str(copy / "bank.safetensors"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (copy / "validation.json").is_file()
    assert f"validation: {copy / 'validation.json'}" in result.stdout


def test_validate_refuses_a_bank_that_its_stories_do_not_rebuild(
    bank_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from safetensors.torch import load_file, save_file

    altered = Path(shutil.copytree(bank_dir, tmp_path / "altered"))
    tensors = load_file(str(altered / "bank.safetensors"))
    tensors["vectors"] = tensors["vectors"] * 1.5
    save_file(tensors, str(altered / "bank.safetensors"))
    result = steer("validate", str(altered), cwd=tmp_path)
    assert result.returncode == 2
    assert "differ from the saved bank" in result.stderr


def test_read_prints_json_lines_and_a_table(bank_dir: Path, tmp_path: Path) -> None:
    texts = tmp_path / "texts.jsonl"
    texts.write_text('{"text": "A quiet lake."}\n{"text": "Everything is lost."}\n')
    bank = str(bank_dir / "bank.safetensors")
    result = steer("read", "--bank", bank, "--json", "--file", str(texts), "Hello", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["Hello", "A quiet lake.", "Everything is lost."]
    assert set(rows[0]["means"]) == {"happy", "sad", "calm", "desperate"}
    assert sorted(rows[0]["top"], key=rows[0]["means"].get, reverse=True) == rows[0]["top"]
    assert len(rows[0]["per_token"]["calm"]) == len(rows[0]["tokens"])
    assert {r["layer"] for r in rows} == {rows[0]["layer"]} and "after BOS" in rows[0]["pooling"]
    table = steer("read", "--bank", bank, "Hello", cwd=tmp_path)
    assert "top:" in table.stdout


def test_read_names_its_layer_and_score_and_warns_about_short_texts(
    bank_dir: Path, tmp_path: Path
) -> None:
    sidecar = json.loads((bank_dir / "bank.json").read_text())
    readout = sidecar["provenance"]["readout"]
    assert readout["chosen_by"] == "the layer of the best held-out probe top-1"
    assert set(readout["cross_source"]) >= {"top1", "top3", "n", "bag_of_words"}
    validation = json.loads((bank_dir / "validation.json").read_text())
    assert readout["layer"] == validation["best_layer"]["probe_top1"]
    long_text = " ".join(["The tide came in slowly over the flat grey sand."] * 3)
    result = steer("read", "--bank", str(bank_dir), "Hi there.", long_text, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"emotion readouts at layer {readout['layer']} (mean projection" in result.stdout
    assert f"top-1 {readout['cross_source']['top1']:.2f}" in result.stdout
    warnings = [line for line in result.stdout.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "text 1 has" in warnings[0] and "from 10 on" in warnings[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "vectors.emotions=[desparate]"], "did you mean desperate"),
        (["extract", "vectors.emotions=[vengeful,calm]"], "no shipped stories for vengeful"),
        (["read", "--bank", "missing.safetensors", "x"], "missing.safetensors does not exist"),
        (["read", "--bank", "BANK"], "no text to read"),
        (["read", "--bank", "BANK", "--layer", "9", "x"], "--layer 9 is out of range"),
        (["extract", "vectors.start_token=0"], "would read the BOS token"),
        (["validate", "nowhere"], "does not exist"),
    ],
)
def test_bad_input(bank_dir: Path, tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("BANK", str(bank_dir / "bank.safetensors")) for a in args]
    if args[0] == "extract":
        args = [*args, "model=tiny_random", f"hydra.run.dir={tmp_path / 'x'}"]
    result = steer(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_stories_from_a_file_build_the_same_bank(bank_dir: Path, tmp_path: Path) -> None:
    """The shipped stories the bank was built from, given back as a file of your own."""
    from safetensors.numpy import load_file

    stories = tmp_path / "mine.jsonl"
    stories.write_text((bank_dir / "stories.jsonl").read_text())
    out = tmp_path / "bank"
    args = [*EXTRACT, "stimuli=file", f"stimuli.path={stories}", f"hydra.run.dir={out}"]
    result = steer("extract", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    mine, shipped = load_file(out / "bank.safetensors"), load_file(bank_dir / "bank.safetensors")
    assert mine.keys() == shipped.keys()
    assert all((mine[k] == shipped[k]).all() for k in mine)
    provenance = json.loads((out / "bank.json").read_text())["provenance"]
    assert provenance["stimuli"]["name"] == "file"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"emotion": "happy", "text": "no topic"}\n')
    refused = steer("extract", *EXTRACT, "stimuli=file", f"stimuli.path={broken}", cwd=tmp_path)
    assert refused.returncode == 2
    assert f"error: {broken} line 1 has no topic" in refused.stderr
