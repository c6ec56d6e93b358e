"""`steer calibrate`: the bound is the last strength, walking out from 0, within the damage
bounds; on a model whose damage curve is constructed it lands where the construction says;
runs take the calibrated strengths and save them as numbers."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from steer.calibration.damage import DamageBounds, StrengthDamage, pick_bound
from steer.calibration.sweep import generate_grid, summarise
from steer.choices import Engine, Site
from steer.cli.config_errors import compose_config
from steer.errors import SteerError
from steer.generation_settings import GenerationSettings
from steer.jobs.run import run
from steer.models.loaded import LoadedModel
from steer.steering.plan import make_plan
from steer.steering.probe import make_probe
from steer.steering.strengths import with_baseline
from steer.tasks.base import Episode
from steer.vectors.vector_set import VectorSet

LIMITS = DamageBounds(perplexity_ratio=3.0, repetition=0.15, empty_rate=0.0, truncated_rate=0.5)


def damage(strength: float, ratio: float = 1.0, empty: float = 0.0) -> StrengthDamage:
    return StrengthDamage(strength, 4, 0.0, strength, ratio, 0.0, empty, 0.0)


def test_the_bound_is_the_last_strength_before_the_first_damage() -> None:
    rows = [damage(0.05), damage(0.1, ratio=2.9), damage(0.2, ratio=3.5), damage(0.3)]
    bound = pick_bound(rows, LIMITS, "positive")
    assert bound.strength == 0.1 and bound.effect_delta == 0.1
    # 0.3 is within bounds again, but damage is not expected to heal: the walk stops at 0.2
    assert bound.stopped_at == 0.2 and bound.stopped_by == ["perplexity_ratio"]


def test_a_direction_without_damage_reaches_the_grid_edge() -> None:
    rows = [damage(-0.3), damage(-0.1), damage(0.1, empty=0.25)]
    negative = pick_bound(rows, LIMITS, "negative")
    assert negative.strength == -0.3 and negative.stopped_at is None
    positive = pick_bound(rows, LIMITS, "positive")
    assert positive.strength is None and positive.stopped_by == ["empty_rate"]


def test_bounds_that_would_refuse_strength_zero_are_refused() -> None:
    with pytest.raises(SteerError, match="at least 1"):
        DamageBounds(perplexity_ratio=0.5)
    with pytest.raises(SteerError, match="finite number"):
        DamageBounds(repetition=float("nan"))


def model_ending_on(tiny: LoadedModel, tokens: list[int]) -> LoadedModel:
    """The tiny model (same weights) whose generation also ends on ``tokens``."""
    hf = copy.deepcopy(tiny.hf, memo={id(p): p for p in tiny.hf.parameters()})
    hf.generation_config.eos_token_id = [*tiny.eos_token_ids, *tokens]
    return replace(tiny, hf=hf)


def constructed(tiny: LoadedModel) -> tuple[LoadedModel, VectorSet]:
    """A model and vector whose damage curve is known by construction.

    The vector, at the last block's output, points along the unembedding row ``x`` of largest
    norm. The final RMSNorm's weights are ones, so once the vector dominates the residual
    stream token ``x`` has the largest logit (Cauchy-Schwarz) and its negative makes the most
    anti-aligned token ``z`` win. Making ``x`` and ``z`` end the generation, a strength that
    dominates gives empty replies (damage), while a strength a million times smaller than
    the residual stream changes no token.
    """
    unembedding = tiny.hf.get_output_embeddings().weight.detach()
    norm_weight = tiny.hf.get_decoder().norm.weight
    assert torch.equal(norm_weight, torch.ones_like(norm_weight))
    x = int(unembedding.norm(dim=-1).argmax())
    unit = unembedding[x] / unembedding[x].norm()
    z = int((unembedding @ -unit).argmax())
    last = tiny.n_layers - 1
    vectors = torch.zeros(1, tiny.n_layers, tiny.d_model)
    vectors[0, last] = unit * 1e4
    vector_set = VectorSet(
        names=["ender"],
        vectors=vectors,
        layer_norms=torch.ones(tiny.n_layers),
        site=Site.resid_post,
        default_layer=last,
    )
    return model_ending_on(tiny, [x, z]), vector_set


def test_calibration_picks_the_constructed_bound(tiny: LoadedModel) -> None:
    model, vectors = constructed(tiny)
    plan = make_plan(vectors, "ender", [model.n_layers - 1], "all", "raw", Engine.hf)
    probe = make_probe(vectors, "ender", model.n_layers - 1)
    prompts = [
        Episode(f"p{i}", ({"role": "user", "content": text},))
        for i, text in enumerate(["Tell me about rivers.", "What is a good breakfast?"])
    ]
    grid = with_baseline([-1.0, -0.1, -1e-6, -1e-7, 1e-7, 1e-6, 0.1, 1.0])
    settings = GenerationSettings(max_new_tokens=6, batch_size=len(grid))
    rows = generate_grid(model, prompts, plan, grid, probe, settings, seed=0)
    baseline = {r.prompt_id: r.text for r in rows if r.strength == 0}
    assert all(baseline.values()), "the construction needs non-empty unsteered replies"
    for row in rows:  # the construction: tiny strengths change nothing, large ones end at once
        assert row.text == (baseline[row.prompt_id] if abs(row.strength) <= 1e-6 else "")
    summary = summarise(rows, grid)
    positive = pick_bound(summary, LIMITS, "positive")
    negative = pick_bound(summary, LIMITS, "negative")
    assert (positive.strength, positive.stopped_at) == (1e-6, 0.1)
    assert (negative.strength, negative.stopped_at) == (-1e-6, -0.1)
    assert "empty_rate" in positive.stopped_by and "empty_rate" in negative.stopped_by
    at_bound = next(r for r in summary if r.strength == 1e-6)
    assert at_bound.perplexity_ratio == pytest.approx(1.0) and at_bound.empty_rate == 0


TINY = ["debug=tiny", "vectors.reference_limit=4", "generation.max_new_tokens=4"]


def calibrate_tiny(tmp_path: Path) -> Path:
    from steer.jobs.calibrate import run_calibrate

    overrides = [
        *TINY,
        "vectors=contrast",
        "task.prompts=[Hello there,How are you]",
        "calibrate.strengths=[-0.5,-0.1,0.1,0.5]",
        "calibrate.layers=[1,2]",
    ]
    out = tmp_path / "calibration"
    run_calibrate(compose_config(overrides, config_name="calibrate"), out, overrides)
    return out


def test_calibrate_writes_strict_json_a_plot_and_every_reply(tmp_path: Path) -> None:
    out = calibrate_tiny(tmp_path)
    document = json.loads(
        (out / "calibration.json").read_text(),
        parse_constant=lambda name: pytest.fail(f"non-strict JSON constant {name}"),
    )
    assert document["format"] == "steer calibration"
    assert [e["layers"] for e in document["entries"]] == [[1], [2]]
    entry = document["entries"][0]
    assert [r["strength"] for r in entry["by_strength"]] == [-0.5, -0.1, 0.0, 0.1, 0.5]
    assert set(entry["bound"]) == {"negative", "positive"}
    assert (out / "calibration.png").stat().st_size > 0
    lines = (out / "calibration_rows.jsonl").read_text().splitlines()
    assert len(lines) == 2 * 2 * 5  # layers x prompts x strengths


def fake_calibration(path: Path, bounds: dict[str, float | None], **identity: str) -> Path:
    entry = {"vector": "happy_vs_sad", "layers": [2], "bound": bounds}
    path.write_text(json.dumps({"format": "steer calibration", **identity, "entries": [entry]}))
    return path


def test_a_run_takes_calibrated_strengths_and_saves_them_as_numbers(tmp_path: Path) -> None:
    out = calibrate_tiny(tmp_path)
    document = json.loads((out / "calibration.json").read_text())
    bounds = {"negative": -0.2, "positive": 0.4}
    identity = {k: document[k] for k in ("weights_hash", "vectors_digest", "unit")}
    source = fake_calibration(tmp_path / "c.json", bounds, **identity)
    overrides = [
        *TINY,
        "task.prompts=[Hello there]",
        "steering.strengths=calibrated",
        f"steering.calibration.path={source}",
        "steering.calibration.fractions=[0.5,1.0]",
    ]
    run_dir = tmp_path / "run"
    run(compose_config(overrides), run_dir, overrides)
    saved = (run_dir / ".hydra" / "config.yaml").read_text()
    assert "strengths:\n  - -0.2\n  - -0.1\n  - 0.2\n  - 0.4\n" in saved
    assert "sha256:" in saved and "calibrated" not in saved.split("calibration:")[0]
    records = [
        json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()
    ]
    assert sorted({r["strength"] for r in records}) == [-0.2, -0.1, 0.0, 0.2, 0.4]


def test_a_calibration_of_other_weights_is_refused(tmp_path: Path) -> None:
    source = fake_calibration(
        tmp_path / "c.json", {"negative": -0.2, "positive": 0.2},
        weights_hash="another", vectors_digest="x", unit="norm",
    )  # fmt: skip
    overrides = [
        *TINY,
        "steering.strengths=calibrated",
        f"steering.calibration.path={source}",
    ]
    with pytest.raises(SteerError, match="calibrated on other model weights"):
        run(compose_config(overrides), tmp_path / "run", overrides)
    assert not (tmp_path / "run" / "generations.jsonl").exists()


CALIBRATED = ["steering.strengths=calibrated", "steering.calibration.path={path}"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["steering.strengths=calibratd"], "neither a list of numbers nor 'calibrated'"),
        (["steering.strengths=calibrated"], "needs steering.calibration.path"),
        ([*CALIBRATED, "steering.layers=[1]"], "no entry for"),
        ([*CALIBRATED, "steering.calibration.fractions=[1.5]"], r"must be in \(0, 1\]"),
    ],
)
def test_bad_calibrated_strengths_fail_with_one_line(
    tmp_path: Path, overrides: list[str], message: str
) -> None:
    source = fake_calibration(tmp_path / "c.json", {"negative": -0.2, "positive": 0.2})
    chosen = [*TINY, *(o.format(path=source) for o in overrides)]
    with pytest.raises(SteerError, match=message):
        run(compose_config(chosen), tmp_path / "run", chosen)
