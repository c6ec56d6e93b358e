"""Word-level ratings from lexicons that ship in packages.

Valence: the VADER lexicon (mean human valence rating, -4 to +4, of ~7,500 words).
Arousal: no packaged human arousal norms are available offline, so a proxy is built from the
NRC Emotion Lexicon shipped in ``nrclex`` (installed with --no-deps; only its data file is
read): +1 for each high-arousal category a word carries (anger, fear, surprise, anticipation),
-1 for each low-arousal one (sadness, trust). It is far coarser than the human arousal ratings
the paper compared with, and validation.json says so.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

HIGH_AROUSAL = ("anger", "fear", "surprise", "anticipation")
LOW_AROUSAL = ("sadness", "trust")
AROUSAL_SOURCE = (
    "proxy from the NRC Emotion Lexicon (nrclex): +1 per high-arousal category "
    f"({', '.join(HIGH_AROUSAL)}), -1 per low-arousal category ({', '.join(LOW_AROUSAL)})"
)
VALENCE_SOURCE = "VADER lexicon (vaderSentiment): mean human valence rating, -4 to +4"


def valence_ratings(words: Sequence[str]) -> dict[str, float]:
    lexicon = SentimentIntensityAnalyzer().lexicon
    return {w: float(lexicon[w]) for w in words if w in lexicon}


@cache
def _nrc_lexicon() -> dict[str, list[str]] | None:
    spec = importlib.util.find_spec("nrclex")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "nrc_en.json"
    if not path.is_file():
        return None
    data: dict[str, list[str]] = json.loads(path.read_text())
    return data


def arousal_ratings(words: Sequence[str]) -> dict[str, float]:
    """The NRC proxy for every word the lexicon has; empty when nrclex is not installed."""
    lexicon = _nrc_lexicon()
    if lexicon is None:
        return {}
    ratings = {}
    for word in words:
        if word in lexicon:
            tags = lexicon[word]
            ratings[word] = float(
                sum(t in tags for t in HIGH_AROUSAL) - sum(t in tags for t in LOW_AROUSAL)
            )
    return ratings
