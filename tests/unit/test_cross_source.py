"""The cross-source report: scoring a reader on the shipped evaluation texts (no model)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from steer.stimuli.shipped import load_shipped
from steer.validation.cross_source import cross_source_line, cross_source_report
from steer.validation.cross_source_texts import dose_templates, eval_texts

NAMES = ["happy", "sad", "calm", "afraid", "joyful"]  # joyful: not in the benchmark
TRUTH = {t.text: t.emotion for t in eval_texts()}
LEVEL = {
    text: (template.emotion, rank)
    for template in dose_templates()
    for rank, text in enumerate(template.texts())
}
STORIES = [s for e in NAMES[:4] for s in load_shipped([e])[:4]]
READOUT = {"layer": 0, "pooling": "test"}


def oracle(texts: Sequence[str]) -> np.ndarray:
    """Scores 1 on a text's true emotion (and its dose rank on a dose template's emotion)."""
    scores = np.zeros((len(texts), len(NAMES)))
    for row, text in enumerate(texts):
        if text in TRUTH:
            scores[row, NAMES.index(TRUTH[text])] = 1.0
        elif LEVEL[text][0] in NAMES:
            scores[row, NAMES.index(LEVEL[text][0])] = LEVEL[text][1]
    return scores


def report(read=oracle, names=NAMES):  # type: ignore[no-untyped-def]
    return cross_source_report(
        read, names, [s.text for s in STORIES], [s.emotion for s in STORIES], READOUT
    )


def test_a_perfect_reader_scores_one_on_the_shared_emotions_only() -> None:
    result = report()
    assert result["emotions"] == ["afraid", "calm", "happy", "sad"]
    assert result["chance_top1"] == 0.25 and result["chance_top3"] == 0.75
    for split in ("dev", "test", "all"):
        assert result["accuracy"][split]["top1"] == 1.0
    assert result["accuracy"]["test"]["n"] == 4 * 6
    assert all(v["top1"] == 1.0 for v in result["by_style_test"].values())


def test_a_constant_reader_is_at_chance_or_below_and_one_emotion_always_wins() -> None:
    result = report(lambda texts: np.tile(np.arange(len(NAMES)), (len(texts), 1)))
    assert result["accuracy"]["all"]["top1"] == 0.25  # every text ranks "afraid" first
    assert result["most_often_first"] == {"afraid": 48}
    assert all(t["rho"] is None for t in result["dose"]["templates"].values())


def test_dose_templates_of_the_bank_s_emotions_are_scored_by_spearman() -> None:
    dose = report()["dose"]
    usable = [t for t in dose_templates() if t.emotion in NAMES]
    assert dose["n_templates"] == len(usable) > 0
    assert dose["n_rising"] == len(usable) and dose["mean_rho"] == 1.0


def test_the_baselines_are_trained_on_the_bank_s_stories_and_scored_on_the_same_split() -> None:
    result = report()
    assert (
        result["bag_of_words"]["trained_on"] == "the bank's 16 training stimuli of these emotions"
    )
    for name in ("naive_bayes", "tfidf_centroids"):
        assert 0 <= result["bag_of_words"][name]["test"]["top1"] <= 1
        assert result["bag_of_words"][name]["test"]["n"] == 24
    line = cross_source_line(result)
    assert "top-1 1.00" in line and "chance 0.25" in line and "bag of words" in line


def test_a_bank_sharing_too_few_emotions_is_skipped_with_a_note() -> None:
    result = report(names=["happy", "joyful"])
    assert "accuracy" not in result and "skipped" in result["note"]
    assert cross_source_line(result).startswith("cross-source test: skipped")
