"""The bag-of-words baselines and the shared top-k accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from steer.validation.bag_of_words import BASELINES, fit_baseline, words
from steer.validation.ranking import top_k_accuracy

TRAIN = [
    "the storm broke the windows and we ran",
    "we ran from the storm screaming",
    "a warm cake and laughter at the party",
    "laughter and music at the party all night",
]
LABELS = [0, 0, 1, 1]


def test_words_are_lowercased_letter_runs_keeping_inner_apostrophes() -> None:
    assert words("Don't RUN, 3 times!") == ["don't", "run", "times"]


@pytest.mark.parametrize("name", BASELINES)
def test_each_baseline_learns_words_of_its_classes(name: str) -> None:
    model = fit_baseline(name, TRAIN, LABELS, 2)
    scores = model.scores(["screaming in the storm", "music and cake", "unseen words only"])
    assert scores.shape == (3, 2)
    assert scores[0].argmax() == 0 and scores[1].argmax() == 1
    assert np.isclose(scores[2, 0], scores[2, 1])  # nothing known: no preference


def test_unknown_baseline_is_refused() -> None:
    with pytest.raises(ValueError, match="naive_bayes"):
        fit_baseline("svm", TRAIN, LABELS, 2)


def test_top_k_accuracy_counts_the_true_class_among_the_k_highest() -> None:
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.3, 0.5], [0.4, 0.4, 0.2]])
    assert top_k_accuracy(scores, [0, 0, 1], 1) == pytest.approx(1 / 3)
    assert top_k_accuracy(scores, [0, 0, 1], 2) == pytest.approx(2 / 3)
    assert top_k_accuracy(scores, [0, 0, 1], 3) == 1.0
    # a tie never counts in the row's favour by chance: class order decides
    assert top_k_accuracy(np.array([[1.0, 1.0]]), [1], 1) == 0.0
