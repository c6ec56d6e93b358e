"""Extraction as in the paper: story means, centring, neutral-PC denoising, the bank."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from steer.activations import (
    TokenWindow,
    capturing,
    run_decoder,
    text_activations,
    token_moments,
)
from steer.choices import Site
from steer.extraction import story_means as story_means_module
from steer.extraction.denoise import top_components
from steer.extraction.pipeline import ExtractionSettings, centred, extract
from steer.hooks import HookRef
from steer.models.loaded import LoadedModel
from steer.readouts import read_texts
from steer.resources import neutral_dialogues
from steer.stimuli.shipped import load_shipped
from steer.vectors.vector_set import VectorSet
from tests.helpers import count_hooks

EMOTIONS = ["happy", "sad", "calm", "desperate"]
SETTINGS = ExtractionSettings(start_token=20, denoise_fraction=0.5, batch_size=8)


@pytest.fixture(scope="module")
def extraction(tiny: LoadedModel):
    stories = [s for e in EMOTIONS for s in load_shipped([e])[:4]]
    return extract(tiny, stories, neutral_dialogues()[:12], EMOTIONS, SETTINGS, "shipped")


def test_centring_makes_the_vectors_sum_to_zero(extraction) -> None:
    total = extraction.bank.vectors.sum(dim=0)
    assert torch.allclose(total, torch.zeros_like(total), atol=1e-4)
    raw = torch.randn(5, 3, 8)
    assert torch.allclose(centred(raw).sum(0), torch.zeros(3, 8), atol=1e-5)


def test_denoised_vectors_have_no_component_on_the_removed_directions(extraction) -> None:
    for layer, basis in enumerate(extraction.subspace.components):
        assert basis.shape[1] >= 1
        projection = extraction.bank.vectors[:, layer] @ basis
        assert projection.abs().max() < 1e-4 * extraction.bank.vectors[:, layer].abs().max()


def test_removed_components_explain_the_requested_variance() -> None:
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(400, 6, generator=generator) * torch.tensor([10.0, 5, 1, 1, 1, 1])
    cov = torch.cov(data.T).unsqueeze(0)
    half = top_components(cov, 0.5)
    assert half.removed == [1] and half.explained[0] >= 0.5
    assert top_components(cov, 0.9).removed[0] > 1
    assert top_components(cov, 0.0).removed == [0]
    cleaned = half.project_out(torch.ones(2, 1, 6))
    assert torch.allclose(cleaned[0, 0] @ half.components[0], torch.zeros(1), atol=1e-5)


def test_the_bank_says_how_it_was_made(extraction, tiny: LoadedModel, tmp_path: Path) -> None:
    bank = extraction.bank
    prov = bank.provenance
    assert prov["model_id"] == tiny.model_id and prov["weights_hash"] == tiny.weights_hash
    assert prov["hook_site"] == "resid_post" and prov["layers"] == list(range(tiny.n_layers))
    assert prov["start_token"] == 20 and prov["stimuli"]["name"] == "shipped"
    assert prov["stimuli"]["stories_per_emotion"] == dict.fromkeys(EMOTIONS, 4)
    assert len(prov["stimuli"]["texts_hash"]) == 16
    assert prov["denoising"]["variance_fraction"] == 0.5
    assert prov["denoising"]["components_removed_per_layer"] == extraction.subspace.removed
    assert len(prov["layer_norms"]["values"]) == tiny.n_layers
    assert {"steer_version", "created", "short_text_rule"} <= prov.keys()
    assert bank.names == EMOTIONS and bank.default_layer == 3
    bank.save(tmp_path / "bank.safetensors")
    loaded = VectorSet.load(tmp_path / "bank.safetensors")
    assert loaded.provenance == prov
    assert loaded.reference_mean is not None
    assert torch.equal(loaded.reference_mean, bank.reference_mean)
    assert torch.equal(loaded.vectors, bank.vectors)


def test_readouts_are_centred_on_the_point_the_vectors_are_centred_on(extraction) -> None:
    """The reference is the mean of the emotion means, not the neutral-text mean: a story
    mean equal to an emotion's mean reads exactly that emotion's raw projection."""
    from steer.extraction.pipeline import emotion_means

    raw = emotion_means(
        extraction.story_means, [s.emotion for s in extraction.stories], extraction.bank.names
    )
    assert torch.allclose(extraction.bank.reference_mean, raw.mean(dim=0), atol=1e-6)
    assert "emotion means" in extraction.bank.provenance["reference_mean"]


def test_story_means_resume_from_the_cache(extraction, tiny: LoadedModel, monkeypatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("recomputed an emotion that was cached")

    monkeypatch.setattr(story_means_module, "text_activations", fail)
    again = story_means_module.story_means(
        tiny, extraction.stories, Site.resid_post, TokenWindow(20), batch_size=8
    )
    assert torch.equal(again, extraction.story_means)


def test_token_moments_batched_equal_one_text_at_a_time(tiny: LoadedModel) -> None:
    ids = [tiny.formatter.text_ids(t) for t in ("short", "a much longer text here", "mid one")]
    refs = [HookRef(1), HookRef(3)]
    batched = token_moments(tiny, ids, refs, TokenWindow(2), batch_size=3)
    singles = [token_moments(tiny, [i], refs, TokenWindow(2), batch_size=1) for i in ids]
    assert torch.allclose(batched.total, sum(s.total for s in singles), atol=1e-4)
    assert torch.allclose(batched.outer, sum(s.outer for s in singles), atol=1e-3)
    assert batched.count.tolist() == [float(sum(s.count[0] for s in singles))] * 2


def test_readouts_are_centred_projections_on_unit_vectors(extraction, tiny: LoadedModel) -> None:
    bank = extraction.bank
    ids = tiny.formatter.text_ids("A calm evening by the lake.")
    readout = read_texts(tiny, bank, [ids])[0]
    layer = bank.default_layer
    hidden = text_activations(tiny, [ids], [HookRef(layer)], TokenWindow(1)).means[0, 0]
    unit = torch.nn.functional.normalize(bank.vectors[:, layer], dim=-1)
    assert bank.reference_mean is not None
    expected = (hidden - bank.reference_mean[layer]) @ unit.T
    means = torch.tensor(list(readout.means().values()))
    assert torch.allclose(means, expected, atol=1e-4)
    assert len(readout.tokens) == len(ids) - 1
    assert readout.top(2) == sorted(readout.means(), key=readout.means().get, reverse=True)[:2]


def test_an_interrupted_extraction_recomputes_only_what_is_missing(
    tiny: LoadedModel, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path))
    stories = [s for e in EMOTIONS for s in load_shipped([e])[:2]]
    real = story_means_module.text_activations
    calls: list[str] = []

    def interrupted(*args, **kwargs):
        calls.append(args[-1] if len(args) > 5 else kwargs.get("description", "?"))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(story_means_module, "text_activations", interrupted)
    with pytest.raises(KeyboardInterrupt):
        story_means_module.story_means(tiny, stories, Site.resid_post, TokenWindow(20), 8)
    calls.clear()
    monkeypatch.setattr(story_means_module, "text_activations", lambda *a, **k: (
        calls.append(a[-1]), real(*a, **k))[1])  # fmt: skip
    resumed = story_means_module.story_means(tiny, stories, Site.resid_post, TokenWindow(20), 8)
    assert calls == EMOTIONS[1:]  # the first emotion was saved before the interruption
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "fresh"))
    monkeypatch.setattr(story_means_module, "text_activations", real)
    fresh = story_means_module.story_means(tiny, stories, Site.resid_post, TokenWindow(20), 8)
    assert torch.equal(resumed, fresh)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"start_token": 0}, "would read the BOS token"),
        ({"denoise_fraction": 1.0}, "outside \\[0, 1\\)"),
        ({"batch_size": 0}, "at least 1"),
    ],
)
def test_bad_extraction_settings_are_refused(settings: dict, message: str) -> None:
    from steer.errors import SteerError

    with pytest.raises(SteerError, match=message):
        ExtractionSettings(**settings)


def test_a_reading_pass_stops_after_the_deepest_layer_it_reads(tiny: LoadedModel) -> None:
    """Layers past the one read never run, and what is read equals a full pass's hidden state."""
    ids = torch.tensor([tiny.formatter.text_ids("A calm evening by the lake.")])
    ran: list[int] = []
    layers = tiny.hf.get_decoder().layers
    handles = [
        layer.register_forward_hook(lambda *_a, n=n: ran.append(n))
        for n, layer in enumerate(layers)
    ]
    try:
        with capturing(tiny, [HookRef(1)]) as captured, torch.no_grad():
            run_decoder(tiny, [HookRef(1)], ids)
        read = captured[HookRef(1)]
    finally:
        for handle in handles:
            handle.remove()
    assert ran == [0, 1]
    with torch.no_grad():
        full = tiny.hf(input_ids=ids, output_hidden_states=True).hidden_states[2]
    assert torch.equal(read, full)


def test_the_early_stop_leaves_no_hook_behind(tiny: LoadedModel) -> None:
    before = count_hooks(tiny)
    with capturing(tiny, [HookRef(2)]), torch.no_grad():
        run_decoder(tiny, [HookRef(2)], torch.tensor([[1, 2, 3]]))
    assert count_hooks(tiny) == before
