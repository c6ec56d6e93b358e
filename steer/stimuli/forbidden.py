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

_SUFFIXES = ("ed", "ing", "ful", "ous", "ly", "ness", "y", "e")


def stem(word: str) -> str:
    """A crude stem: strip one common suffix while at least four letters remain."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


@cache
def forbidden_pattern(emotion: str) -> re.Pattern[str]:
    """Matches the emotion word, any word starting with its stem, and its direct synonyms."""
    parts = [re.escape(stem(emotion)) + r"\w*", re.escape(emotion)]
    parts += [re.escape(word) + r"\b" for word in SYNONYMS.get(emotion, ())]
    return re.compile(r"\b(?:" + "|".join(parts) + ")", re.IGNORECASE)


def forbidden_words_in(text: str, emotion: str) -> list[str]:
    """The forbidden words a story about ``emotion`` contains (empty when it is clean)."""
    return [match.group(0) for match in forbidden_pattern(emotion).finditer(text)]
