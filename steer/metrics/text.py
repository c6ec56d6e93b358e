"""Output-shift metrics of one generated text: length, VADER sentiment, emotion words, and
repetition (the usual first symptom of steering too hard: the text loops)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from steer.metrics.declared import Metric, MetricKind
from steer.resources import emotion_words

# What text_metrics returns, declared for the tasks that score replies by their text.
VADER = Metric(
    "vader_compound", MetricKind.MEAN, "mean VADER compound sentiment of the replies, -1 to +1"
)
TEXT_METRICS = (
    VADER,
    Metric("repetition", MetricKind.MEAN, "share of the reply's word 3-grams seen earlier in it"),
    Metric("emotion_words", MetricKind.COUNT, "the paper's emotion words per reply"),
    Metric("n_words", MetricKind.COUNT, "words per reply"),
)


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def _emotion_pattern() -> re.Pattern[str]:
    words = sorted(emotion_words(), key=len, reverse=True)  # "worn out" before "worn"
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def vader_compound(text: str) -> float:
    """VADER's compound sentiment score, from -1 (negative) to +1 (positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def emotion_word_counts(text: str) -> dict[str, int]:
    """How often each of the paper's 171 emotion words occurs (whole words, any case)."""
    return dict(Counter(match.lower() for match in _emotion_pattern().findall(text)))


def repetition(text: str, n: int = 3) -> float:
    """The share of the text's word n-grams that already occurred earlier in it: 0 for text
    that never repeats itself, towards 1 for a loop ("happy happy happy ..."); 0 when the
    text has fewer than ``n`` words."""
    words = re.findall(r"\w+|[^\w\s]", text.lower())
    grams = [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]
    if not grams:
        return 0.0
    return 1.0 - len(set(grams)) / len(grams)


def text_metrics(text: str) -> dict[str, float]:
    """The numeric metrics of one text (aggregated per strength)."""
    counts = emotion_word_counts(text)
    return {
        "n_words": float(len(text.split())),
        "vader_compound": vader_compound(text),
        "emotion_words": float(sum(counts.values())),
        "repetition": round(repetition(text), 4),
    }
