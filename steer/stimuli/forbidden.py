"""The words a story about an emotion must not contain: the word, its family, direct synonyms."""

from __future__ import annotations

import re
from functools import cache

# Direct synonyms of the emotions with shipped stories, and of a few frequent others.
# Other emotions get only their own word family.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "afraid": ("scared", "frightened", "fearful", "fear"),
    "angry": ("anger", "furious", "mad", "enraged", "irate"),
    "anxious": ("anxiety",),
    "ashamed": ("shame", "humiliated", "mortified"),
    "blissful": ("bliss", "ecstatic", "euphoric"),
    "bored": ("boring", "boredom", "tedious"),
    "calm": ("serene", "tranquil", "peaceful"),
    "content": ("contentment", "contented"),
    "desperate": ("desperation", "despair"),
    "disgusted": ("disgust", "disgusting", "revolted", "repulsed"),
    "excited": ("excitement", "exciting", "thrilled"),
    "frustrated": ("frustration", "frustrating"),
    "grateful": ("gratitude", "thankful"),
    "guilty": ("guilt",),
    "happy": ("happiness", "glad", "joyful", "cheerful"),
    "hopeful": ("hope", "hoping", "hoped", "hopes"),
    "hostile": ("hostility",),
    "jealous": ("jealousy",),
    "lonely": ("loneliness", "lonesome"),
    "loving": ("love", "loved", "loves"),
    "nervous": ("nervousness", "nerves"),
    "panicked": ("panic", "panicky", "frantic"),
    "proud": ("pride", "proudly"),
    "relieved": ("relief",),
    "sad": ("sadness", "unhappy", "sorrowful"),
    "serene": ("serenity",),
    "surprised": ("surprise", "surprising"),
    "terrified": ("terror", "terrifying", "scared"),
    "tired": ("exhausted", "weary"),
    "worried": ("worry", "worries", "worrying"),
}

_STRIPPED = ("ed", "ing", "ly", "ness", "y", "e")
# The endings that make the emotion word's family: desperat+ely, happ+iness, calm+ness, ...
_FAMILY = (
    "", "e", "s", "es", "d", "ed", "ly", "ely", "ily", "ness", "iness", "ing", "er", "ier",
    "est", "iest", "y", "ity", "ation", "ion", "ment",
)  # fmt: skip


def stem(word: str) -> str:
    """Strip one inflection while at least four letters remain (desperate -> desperat)."""
    for suffix in _STRIPPED:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@cache
def forbidden_pattern(emotion: str) -> re.Pattern[str]:
    """Matches the emotion word, its family (its stem plus a known ending, so "happened" and
    "saddle" are not caught) and its direct synonyms, as whole words."""
    endings = "|".join(re.escape(e) for e in sorted(_FAMILY, key=len, reverse=True))
    parts = [re.escape(stem(emotion)) + f"(?:{endings})", re.escape(emotion)]
    parts += [re.escape(word) for word in SYNONYMS.get(emotion, ())]
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


def forbidden_words_in(text: str, emotion: str) -> list[str]:
    """The forbidden words a story about ``emotion`` contains (empty when it is clean)."""
    return [match.group(0) for match in forbidden_pattern(emotion).finditer(text)]
