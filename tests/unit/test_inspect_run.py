"""`run_inspect` end to end on the tiny model: the files, the inspect.json schema, and the
figures in `steer compare`'s report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from steer.cli.config_errors import compose_config
from steer.compare.cli import compare
from steer.errors import SteerError
from steer.jobs.inspect import run_inspect

TINY = [
    "debug=tiny",  # steering.layers=[2] on a 4-layer model
    "vectors.reference_limit=4",
    "generation.max_new_tokens=4",
    "task.prompts=[Hello there.,The sea is calm.]",
    "steering.strengths=[0.5]",
    "inspect.max_tokens=10",
    "inspect.max_heads=2",
]
PROMPTS = ["p000", "p001"]


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    out = tmp_path_factory.mktemp("inspect") / "run"
    metrics = run_inspect(compose_config(TINY, config_name="inspect"), out)
    return out, metrics


def document(out: Path) -> dict:
    return json.loads((out / "inspect.json").read_text())


def test_every_figure_is_a_png_named_by_prompt_and_layer(inspected) -> None:
    out, _ = inspected
    expected = {f"{kind}_{p}.png" for kind in ("norms", "readouts") for p in PROMPTS}
    expected |= {f"attention_{p}_L3.png" for p in PROMPTS}
    assert {p.name for p in (out / "inspect").iterdir()} == expected
    for name in expected:
        with Image.open(out / "inspect" / name) as image:
            assert image.format == "PNG" and min(image.size) > 200


def test_inspect_json_holds_every_prompt_per_layer_and_condition(inspected) -> None:
    out, _ = inspected
    doc = document(out)
    assert set(doc) >= {"settings", "model", "prompts", "summary", "flags"}
    settings = doc["settings"]
    assert settings["strength"] == 0.5 and settings["steering_layers"] == [2]
    assert settings["attention_layers"] == [3] and settings["heads"] == [0, 1]
    assert settings["readouts"]["emotions"] == ["happy_vs_sad"]
    assert [p["id"] for p in doc["prompts"]] == PROMPTS
    for prompt in doc["prompts"]:
        assert len(prompt["tokens"]) == prompt["n_prompt_tokens"] + prompt["n_reply_tokens"]
        assert set(prompt["replies"]) == {"baseline", "steered"}
        for condition in ("baseline", "steered"):
            for span in ("prompt_last", "reply_mean"):
                assert len(prompt["norms"][condition][span]) == 4
                assert len(prompt["readouts"][condition][span]["happy_vs_sad"]) == 4
        assert set(prompt["attention"]["3"]) == {
            "mean_abs_diff", "max_abs_diff", "entropy_baseline", "entropy_steered",
        }  # fmt: skip
        assert len(prompt["attention"]["3"]["mean_abs_diff"]) == 4  # every head summarised
        assert prompt["figures"]["attention"] == {"3": f"inspect/attention_{prompt['id']}_L3.png"}


def test_the_vector_enters_at_its_layer_and_nothing_before_it_moves(inspected) -> None:
    out, metrics = inspected
    for prompt in document(out)["prompts"]:
        for span in ("prompt_last", "reply_mean"):
            baseline, steered = (prompt["norms"][c][span] for c in ("baseline", "steered"))
            assert baseline[:2] == steered[:2]  # blocks 0 and 1: bit-identical
            assert steered[2] != baseline[2]
            moved = prompt["displacement"][span]
            assert moved[:2] == [0.0, 0.0] and moved[2] > 0
        assert max(prompt["attention"]["3"]["max_abs_diff"]) > 0
    assert metrics["norm_change_prompt_last@L2"] != 0
    assert metrics["attention_mean_abs_diff@L3"] > 0


def test_two_prompts_cannot_be_flagged_at_z_2(inspected) -> None:
    out, metrics = inspected
    assert document(out)["flags"] == [] and metrics["flags"] == 0


def test_the_replies_are_recorded_as_a_run_records_them(inspected) -> None:
    out, _ = inspected
    records = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert sorted((r["prompt_id"], r["strength"]) for r in records) == [
        (p, s) for p in PROMPTS for s in (0.0, 0.5)
    ]
    steered = {r["prompt_id"]: r["text"] for r in records if r["strength"] == 0.5}
    assert {p["id"]: p["replies"]["steered"] for p in document(out)["prompts"]} == steered
    assert (out / "metrics.json").is_file() and (out / ".hydra" / "config.yaml").is_file()


def test_steer_compare_shows_the_figures_in_its_report(inspected, tmp_path: Path) -> None:
    out, _ = inspected
    assert compare(out, max_prompts=5) == 0
    page = (out / "report.html").read_text()
    assert "<h2>Inspect</h2>" in page
    for prompt in PROMPTS:
        assert f"inspect/attention_{prompt}_L3.png" in page
        assert f"inspect/norms_{prompt}.png" in page


def test_an_inspected_directory_is_never_overwritten(inspected) -> None:
    out, _ = inspected
    before = (out / "inspect.json").read_bytes()
    with pytest.raises(SteerError, match=r"already holds inspect\.json"):
        run_inspect(compose_config(TINY, config_name="inspect"), out)
    assert (out / "inspect.json").read_bytes() == before


def test_reply_none_inspects_the_prompt_alone_without_generating(tmp_path: Path) -> None:
    overrides = [*TINY, "inspect.reply=none", "inspect.max_figure_prompts=1"]
    run_inspect(compose_config(overrides, config_name="inspect"), tmp_path)
    doc = document(tmp_path)
    assert all(p["n_reply_tokens"] == 0 and p["replies"] is None for p in doc["prompts"])
    assert all(p["norms"]["steered"]["reply_mean"] == [None] * 4 for p in doc["prompts"])
    assert not (tmp_path / "generations.jsonl").exists()
    assert len(list((tmp_path / "inspect").iterdir())) == 3  # the first prompt's figures only
