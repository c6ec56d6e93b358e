"""Source weights, within-emotion denoising, per-source caching and the probe by source."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from steer.activations import TokenWindow
from steer.choices import Site
from steer.errors import SteerError
from steer.extraction import story_means as story_means_module
from steer.extraction.denoise import NeutralSubspace
from steer.extraction.pipeline import ExtractionSettings, extract
from steer.extraction.within import weighted_emotion_means, with_within_emotion_components
from steer.models.loaded import LoadedModel
from steer.resources import neutral_dialogues
from steer.stimuli.shipped import load_registers, load_shipped
from steer.stimuli.story import Story
from steer.validation import probe as probe_module
from steer.validation.probe import TopicSplit, held_out_probe, split_topics

EMOTIONS = ["happy", "sad", "calm", "desperate"]


def empty_subspace(layers: int, d: int) -> NeutralSubspace:
    return NeutralSubspace(tuple(torch.zeros(d, 0) for _ in range(layers)), (0.0,) * layers, 0.0)


def styled_means(seed: int = 0) -> tuple[torch.Tensor, list[str], list[str], list[str]]:
    """Three emotions on axes 0-2; each text also carries a large "style" offset on axis 5
    (two styles, same share in every emotion), and small noise."""
    generator = torch.Generator().manual_seed(seed)
    rows, labels, topics = [], [], []
    for e in range(3):
        for t in range(6):
            for style in (-1.0, 1.0):
                row = torch.zeros(8)
                row[e] = 1.0
                row[5] = 4.0 * style * (1.0 + 0.5 * e)  # style weighs differently per emotion
                row += 0.05 * torch.randn(8, generator=generator)
                rows.append(torch.stack([row, row]))
                labels.append(f"e{e}")
                topics.append(f"t{t}")
    return torch.stack(rows), labels, topics, ["e0", "e1", "e2"]


def test_the_top_within_emotion_component_is_the_style_axis() -> None:
    means, labels, _, emotions = styled_means()
    weights = torch.ones(len(labels), dtype=torch.float64)
    raw = weighted_emotion_means(means, labels, emotions, weights)
    neutral = empty_subspace(2, 8)
    subspace = with_within_emotion_components(neutral, means, labels, raw, emotions, 1)
    assert subspace.removed == [1, 1]
    assert abs(float(subspace.components[0][5, 0])) > 0.99
    assert with_within_emotion_components(neutral, means, labels, raw, emotions, 0) is neutral
    basis = subspace.components[1]
    assert torch.allclose(basis.T @ basis, torch.eye(1), atol=1e-5)


def test_within_components_come_on_top_of_the_neutral_ones_and_stay_orthonormal() -> None:
    means, labels, _, emotions = styled_means()
    raw = weighted_emotion_means(means, labels, emotions, torch.ones(len(labels)))
    axis0 = torch.zeros(8, 1)
    axis0[7] = 1.0
    neutral = NeutralSubspace((axis0, axis0), (0.5, 0.5), 0.5)
    subspace = with_within_emotion_components(neutral, means, labels, raw, emotions, 3)
    for basis in subspace.components:
        assert basis.shape == (8, 4)
        assert torch.allclose(basis.T @ basis, torch.eye(4), atol=1e-5)
        assert float((basis.T @ axis0).abs().max()) > 0.99  # the neutral direction is kept


def test_weighted_means_count_each_text_by_its_weight() -> None:
    means = torch.tensor([[[1.0]], [[3.0]], [[10.0]]])
    weighted = weighted_emotion_means(
        means, ["a", "a", "b"], ["a", "b"], torch.tensor([1, 0.25, 1])
    )
    assert torch.allclose(weighted[:, 0, 0], torch.tensor([(1 + 0.75) / 1.25, 10.0]))


def test_text_weights_follow_the_source_and_refuse_unknown_sources() -> None:
    stories = [Story("happy", "t", "x", "", "shipped"), Story("happy", "t", "y", "", "registers")]
    settings = ExtractionSettings(source_weights=(("registers", 0.25),))
    assert settings.text_weights(stories).tolist() == [1.0, 0.25]
    # a shipped source the stimuli do not include is no error (the default config weights it)
    assert ExtractionSettings(source_weights=(("more_stories", 2.0),)).text_weights(
        stories
    ).tolist() == [1.0, 1.0]
    with pytest.raises(SteerError, match="'registrs', which is no source"):
        ExtractionSettings(source_weights=(("registrs", 0.25),)).text_weights(stories)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"source_weights": (("registers", 0.0),)}, "not a positive number"),
        ({"source_weights": (("registers", float("nan")),)}, "not a positive number"),
        ({"within_components": -1}, "is negative"),
    ],
)
def test_bad_weights_and_component_counts_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(SteerError, match=message):
        ExtractionSettings(**settings)


def test_an_extraction_removes_the_within_components_and_records_them(tiny: LoadedModel) -> None:
    stories = [s for e in EMOTIONS for s in load_shipped([e])[:4]]
    settings = ExtractionSettings(start_token=20, within_components=2)
    extraction = extract(tiny, stories, neutral_dialogues()[:12], EMOTIONS, settings, "shipped")
    assert extraction.subspace.removed == [n + 2 for n in extraction.neutral.removed]
    denoising = extraction.bank.provenance["denoising"]
    assert denoising["within_emotion_components"] == 2
    assert denoising["components_removed_per_layer"] == extraction.neutral.removed
    for layer, basis in enumerate(extraction.subspace.components):
        assert float((extraction.bank.vectors[:, layer] @ basis).abs().max()) < 1e-3
    plain = extract(tiny, stories, neutral_dialogues()[:12], EMOTIONS,
                    ExtractionSettings(start_token=20), "shipped")  # fmt: skip
    assert plain.subspace is plain.neutral
    assert not torch.allclose(plain.bank.vectors, extraction.bank.vectors)


def test_adding_a_source_reads_only_its_texts(
    tiny: LoadedModel, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path))
    stories = [s for e in EMOTIONS[:2] for s in load_shipped([e])[:2]]
    registers = load_registers(EMOTIONS[:2])[:3]
    first = story_means_module.story_means(tiny, stories, Site.resid_post, TokenWindow(20), 8)
    real = story_means_module.text_activations
    read: list[int] = []

    def counting(model, ids, *args, **kwargs):
        read.append(len(ids))
        return real(model, ids, *args, **kwargs)

    monkeypatch.setattr(story_means_module, "text_activations", counting)
    both = story_means_module.story_means(
        tiny, stories + registers, Site.resid_post, TokenWindow(20), 8
    )
    assert sum(read) == len(registers)
    assert torch.equal(both[: len(stories)], first)


def confounded_means() -> tuple[torch.Tensor, list[str], list[str], list[str]]:
    """Emotions on axes 0-2 (weak), a strong style axis 5 that goes with e0 (+) and e1 (-) on
    topics t0-t3 and the other way round on t4-t5: a probe trained on t0-t3 that reads style
    names the wrong emotion on t4-t5."""
    generator = torch.Generator().manual_seed(0)
    rows, labels, topics = [], [], []
    for e, sign in enumerate((1, -1, 0)):
        for t in range(6):
            for j in range(4):
                majority = 1 if j < 3 else -1
                style = sign * majority * (1 if t < 4 else -1) if sign else (-1) ** j
                row = torch.zeros(8)
                row[e], row[5] = 1.0, 3.0 * style
                row += 0.05 * torch.randn(8, generator=generator)
                rows.append(torch.stack([row, row]))
                labels.append(f"e{e}")
                topics.append(f"t{t}")
    return torch.stack(rows), labels, topics, ["e0", "e1", "e2"]


def test_removing_the_within_emotion_style_axis_undoes_a_style_confound() -> None:
    means, labels, topics, emotions = confounded_means()
    split = TopicSplit(("t0", "t1", "t2", "t3"), ("t4", "t5"))
    neutral = empty_subspace(2, 8)
    plain = held_out_probe(means, labels, topics, emotions, neutral, split)
    within = held_out_probe(means, labels, topics, emotions, neutral, split, None, 1)
    assert plain.by_layer()[0]["top1"] < 0.5 and within.by_layer()[0]["top1"] == 1.0


def test_weights_move_the_probe_vectors_towards_the_heavier_texts() -> None:
    means, labels, topics, emotions = confounded_means()
    split = TopicSplit(("t0", "t1", "t2", "t3"), ("t4", "t5"))
    # counting e0's and e1's minority-style texts three times balances the styles in training
    minority = [i % 4 == 3 and labels[i] != "e2" for i in range(len(labels))]
    weights = torch.tensor([3.0 if m else 1.0 for m in minority])
    neutral = empty_subspace(2, 8)
    balanced = held_out_probe(means, labels, topics, emotions, neutral, split, weights)
    assert balanced.by_layer()[0]["top1"] == 1.0


def test_the_probe_finds_within_components_on_the_training_topics_only(monkeypatch) -> None:
    means, labels, topics, emotions = styled_means()
    split = split_topics(topics, 0.34, seed=0)
    seen: list[torch.Tensor] = []
    real = probe_module.with_within_emotion_components

    def recording(neutral, rows, *args):
        seen.append(rows)
        return real(neutral, rows, *args)

    monkeypatch.setattr(probe_module, "with_within_emotion_components", recording)
    result = held_out_probe(means, labels, topics, emotions, empty_subspace(2, 8), split,
                            None, within_components=1)  # fmt: skip
    train = [i for i, t in enumerate(topics) if t in split.train]
    assert len(seen) == 1 and torch.equal(seen[0], means[train])
    assert len(result.test_rows) == len(labels) - len(train)
    sources = ["a" if i % 2 else "b" for i in range(len(labels))]
    by_source = result.by_source(sources, layer=0)
    assert set(by_source) == {"a", "b"}
    assert sum(r["n"] for r in by_source.values()) == len(result.test_rows)
