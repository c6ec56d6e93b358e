"""Which emotions: the paper's 171 words, named subsets, or an explicit list."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from steer.errors import SteerError
from steer.resources import emotion_words

# The 24 core emotions every shipped-corpus experiment uses (issue 3's list).
CORE = (
    "desperate", "calm", "afraid", "angry", "happy", "sad", "nervous", "hopeful",
    "frustrated", "proud", "ashamed", "guilty", "loving", "hostile", "blissful", "anxious",
    "content", "excited", "lonely", "grateful", "bored", "surprised", "disgusted", "panicked",
)  # fmt: skip

SUBSETS = ("core", "shipped", "all")
MIN_EMOTIONS = 2  # a bank: one emotion centred on itself is a zero vector


def shipped_emotions() -> tuple[str, ...]:
    from steer.stimuli.shipped import shipped_story_emotions

    return shipped_story_emotions()


def resolve_emotions(spec: str | Sequence[str], minimum: int = 1) -> list[str]:
    """``core`` (24), ``shipped`` (every emotion with shipped stories), ``all`` (171), or a list
    of at least ``minimum`` (a bank needs ``MIN_EMOTIONS``)."""
    if isinstance(spec, str):
        if spec == "core":
            return list(CORE)
        if spec == "shipped":
            return list(shipped_emotions())
        if spec == "all":
            return list(emotion_words())
        names = [spec]
    else:
        names = [str(name) for name in spec]
    known = set(emotion_words())
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=3)
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise SteerError(
                f"unknown emotion {name!r}",
                f"{hint}use one of the paper's 171 words, or a subset: {', '.join(SUBSETS)}",
            )
    if len(set(names)) != len(names):
        raise SteerError("an emotion is listed twice", "list each emotion once")
    if len(names) < minimum:
        listed = ", ".join(names) if names else "none"
        raise SteerError(
            f"vectors.emotions lists {len(names)} emotion(s) ({listed}); a bank needs at least "
            f"{MIN_EMOTIONS}, since each vector is centred on the mean of all of them",
            "list two or more, e.g. vectors.emotions=[happy,sad], or a subset: "
            + ", ".join(SUBSETS),
        )
    return names
