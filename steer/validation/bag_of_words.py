"""Bag-of-words baselines for the cross-source test: trained on the same stories as the vectors.

Two standard text classifiers, so the readouts are compared with the stronger of them:
multinomial naive Bayes (Laplace smoothing) and the cosine to tf-idf class centroids. Words are
lowercased letter runs (with an apostrophe inside, as in "don't").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BASELINES", "NaiveBayes", "TfidfCentroids", "fit_baseline", "words"]

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes with add-``alpha`` smoothing and a uniform class prior."""

    vocabulary: dict[str, int]
    log_probabilities: np.ndarray  # [n_classes, n_words]

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[int], n_classes: int, alpha: float = 1.0
    ) -> NaiveBayes:
        vocabulary = {w: i for i, w in enumerate(sorted({w for t in texts for w in words(t)}))}
        counts = np.zeros((n_classes, len(vocabulary)))
        for text, label in zip(texts, labels, strict=True):
            for word in words(text):
                counts[label, vocabulary[word]] += 1
        totals = counts.sum(axis=1, keepdims=True) + alpha * len(vocabulary)
        return cls(vocabulary, np.log((counts + alpha) / totals))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Log-likelihood of each text under each class [n_texts, n_classes]."""
        bags = np.zeros((len(texts), len(self.vocabulary)))
        for row, text in enumerate(texts):
            for word in words(text):
                if word in self.vocabulary:
                    bags[row, self.vocabulary[word]] += 1
        result: np.ndarray = bags @ self.log_probabilities.T
        return result


@dataclass(frozen=True)
class TfidfCentroids:
    """Cosine between a text's tf-idf vector (sublinear tf, smoothed idf) and each class's
    mean unit tf-idf vector."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    centroids: np.ndarray  # [n_classes, n_words], unit rows

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[int], n_classes: int) -> TfidfCentroids:
        bags = [Counter(words(t)) for t in texts]
        frequency = Counter(w for bag in bags for w in bag)
        vocabulary = {w: i for i, w in enumerate(sorted(frequency))}
        idf = np.array([math.log((1 + len(bags)) / (1 + frequency[w])) + 1 for w in vocabulary])
        fitted = cls(vocabulary, idf, np.zeros((n_classes, len(vocabulary))))
        vectors = fitted._vectors(texts)
        centroids = np.stack(
            [vectors[np.asarray(labels) == c].mean(axis=0) for c in range(n_classes)]
        )
        norms = np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        return cls(vocabulary, idf, centroids / norms)

    def _vectors(self, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(texts), len(self.vocabulary)))
        for row, text in enumerate(texts):
            for word, count in Counter(words(text)).items():
                if word in self.vocabulary:
                    result[row, self.vocabulary[word]] = 1 + math.log(count)
        result *= self.idf
        norms = np.maximum(np.linalg.norm(result, axis=1, keepdims=True), 1e-12)
        unit: np.ndarray = result / norms
        return unit

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        result: np.ndarray = self._vectors(texts) @ self.centroids.T
        return result


BASELINES = ("naive_bayes", "tfidf_centroids")


def fit_baseline(
    name: str, texts: Sequence[str], labels: Sequence[int], n_classes: int
) -> NaiveBayes | TfidfCentroids:
    if name == "naive_bayes":
        return NaiveBayes.fit(texts, labels, n_classes)
    if name == "tfidf_centroids":
        return TfidfCentroids.fit(texts, labels, n_classes)
    raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
