"""Validation pieces: word ratings, PCA correlation, topic split, probe, logit lens, report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from steer.extraction.pipeline import ExtractionSettings, extract
from steer.models.loaded import LoadedModel
from steer.resources import neutral_dialogues
from steer.stimuli.shipped import load_shipped
from steer.validation.geometry import cluster_order, correlation, cosine_matrix, pca
from steer.validation.probe import split_topics
from steer.validation.ratings import arousal_ratings, valence_ratings
from steer.validation.report import ValidationSettings, validate


def test_valence_comes_from_vader_and_arousal_from_nrc() -> None:
    valence = valence_ratings(["happy", "sad", "calm", "desperate", "not-a-word"])
    assert valence["happy"] > 0 > valence["sad"] and "not-a-word" not in valence
    arousal = arousal_ratings(["angry", "afraid", "calm"])
    assert arousal, "nrclex is installed by `make setup`"
    assert arousal["angry"] > arousal["calm"]


def test_correlation_is_oriented_and_skips_unrated_words() -> None:
    scores = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    names = ["a", "b", "c", "d", "e"]
    result = correlation(scores, names, {"a": 2.0, "b": 1.0, "c": 0.0, "d": -1.0})
    assert result["r"] == 1.0 and result["sign"] == -1 and result["n_words"] == 4
    assert correlation(scores, names, {"a": 1.0, "b": 1.0, "c": 1.0})["r"] is None


def test_pca_finds_the_dominant_direction() -> None:
    generator = torch.Generator().manual_seed(0)
    vectors = torch.randn(10, 1, generator=generator) * torch.tensor([[5.0, 0.1, 0.1]])
    result = pca(vectors)
    assert result.explained[0] > 0.99


def test_clustering_puts_similar_vectors_together() -> None:
    vectors = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.99, 0.1], [0.1, 0.99]])
    order = cluster_order(cosine_matrix(vectors))
    assert abs(order.index(0) - order.index(2)) == 1 and abs(order.index(1) - order.index(3)) == 1


def test_topic_split_is_disjoint_and_deterministic() -> None:
    topics = [f"t{i}" for i in range(10)] * 3
    split = split_topics(topics, 0.3, seed=1)
    assert len(split.test) == 3 and not set(split.test) & set(split.train)
    assert split == split_topics(topics, 0.3, seed=1) != split_topics(topics, 0.3, seed=2)


def test_validate_writes_the_report_and_figures(tiny: LoadedModel, tmp_path: Path) -> None:
    emotions = ["happy", "sad", "calm", "angry"]
    stories = [s for e in emotions for s in load_shipped([e])[:6]]
    extraction = extract(
        tiny, stories, neutral_dialogues()[:8], emotions, ExtractionSettings(start_token=10), "x"
    )
    report = validate(tiny, extraction, tmp_path, ValidationSettings(test_fraction=0.3))
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert saved["probe"]["chance_top1"] == 0.25 and len(saved["probe"]["by_layer"]) == 4
    assert saved["pca"]["pc1_valence"]["words"] == ["happy", "sad", "calm", "angry"]
    assert set(saved["logit_lens"]) == set(emotions)
    assert all(len(tokens) == 10 for tokens in saved["logit_lens"].values())
    assert all(len(values) == 4 for values in saved["geometry_by_layer"].values())
    assert saved["pca"]["pc1_valence_r_by_layer"] == saved["geometry_by_layer"]["pc1_valence"]
    assert set(saved["best_layer"]) == {"pc1_valence", "probe_top1"}
    assert saved["clusters"]["k"] == 2 and sum(saved["clusters"]["sizes"]) == 4
    assert sorted(w for members in saved["clusters"]["members"] for w in members) == sorted(
        emotions
    )
    assert {"geometry_by_layer.png", "clusters.png"} <= set(report["figures"])
    cross = saved["cross_source"]
    assert cross["emotions"] == sorted(emotions)
    assert cross["readout"]["layer"] == saved["best_layer"]["probe_top1"]
    assert cross["accuracy"]["test"]["n"] == 4 * 6 and cross["chance_top1"] == 0.25
    assert set(cross["bag_of_words"]) == {"trained_on", "naive_bayes", "tfidf_centroids"}
    assert cross["dose"]["n_templates"] >= 1
    for figure in report["figures"]:
        assert (tmp_path / figure).stat().st_size > 10_000


def synthetic_means(n_emotions: int = 4, per_topic: int = 2, topics: int = 5, noise: float = 0.3):
    """Story means = an emotion direction + a topic offset + noise, at 2 layers of width 16."""
    generator = torch.Generator().manual_seed(0)
    directions = torch.randn(n_emotions, 16, generator=generator) * 3
    offsets = torch.randn(topics, 16, generator=generator)
    rows, labels, topic_names = [], [], []
    for e in range(n_emotions):
        for t in range(topics):
            for _ in range(per_topic):
                row = directions[e] + offsets[t] + noise * torch.randn(16, generator=generator)
                rows.append(torch.stack([row, row]))
                labels.append(f"e{e}")
                topic_names.append(f"t{t}")
    return torch.stack(rows), labels, topic_names, [f"e{e}" for e in range(n_emotions)]


def no_subspace(layers: int = 2):
    from steer.extraction.denoise import NeutralSubspace

    return NeutralSubspace(tuple(torch.zeros(16, 0) for _ in range(layers)), (0.0,) * layers, 0.0)


def test_the_probe_classifies_separable_stories_perfectly() -> None:
    from steer.validation.probe import held_out_accuracy

    means, labels, topics, emotions = synthetic_means()
    split = split_topics(topics, 0.4, seed=0)
    rows = held_out_accuracy(means, labels, topics, emotions, no_subspace(), split)
    assert [r["top1"] for r in rows] == [1.0, 1.0]


def test_the_probe_does_not_look_at_test_stories_when_building_vectors() -> None:
    from steer.validation.probe import held_out_accuracy

    means, labels, topics, emotions = synthetic_means()
    split = split_topics(topics, 0.4, seed=0)
    before = held_out_accuracy(means, labels, topics, emotions, no_subspace(), split)
    shuffled = means.clone()
    test_rows = [i for i, t in enumerate(topics) if t in split.test]
    # Give every test story the same mean: if test stories leaked into the vectors or the
    # centring offset, the training side would change too; it must not, so accuracy drops to
    # exactly one emotion's share.
    shuffled[test_rows] = means[test_rows[0]]
    after = held_out_accuracy(shuffled, labels, topics, emotions, no_subspace(), split)
    assert before[0]["top1"] == 1.0 and after[0]["top1"] == 0.25


def test_an_emotion_without_stories_is_refused() -> None:
    import pytest

    from steer.errors import SteerError
    from steer.extraction.pipeline import emotion_means

    means, labels, _, _ = synthetic_means()
    with pytest.raises(SteerError, match="no stories for e9"):
        emotion_means(means, labels, ["e0", "e9"])
    with pytest.raises(SteerError, match="at least two topics"):
        split_topics(["only"] * 4, 0.3, seed=0)
