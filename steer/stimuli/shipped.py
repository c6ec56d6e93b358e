"""The curated corpus shipped in ``steer/data/stimuli/shipped``: stories and neutral dialogues."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from steer.errors import SteerError
from steer.models.prompts import Message
from steer.resources import DATA, neutral_dialogues
from steer.stimuli.story import Story

SHIPPED = DATA / "stimuli" / "shipped"
REGISTERS = DATA / "stimuli" / "registers" / "texts.jsonl"
MORE_STORIES = DATA / "stimuli" / "more_stories" / "stories.jsonl"


@cache
def shipped_story_emotions() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in (SHIPPED / "stories").glob("*.jsonl")))


@cache
def shipped_topics() -> tuple[str, ...]:
    lines = (SHIPPED / "topics.txt").read_text().splitlines()
    return tuple(line for line in lines if line.strip() and not line.startswith("#"))


def load_shipped(emotions: Sequence[str]) -> list[Story]:
    available = shipped_story_emotions()
    missing = [e for e in emotions if e not in available]
    if missing:
        raise SteerError(
            f"no shipped stories for {', '.join(missing)}",
            f"use stimuli=self_generated, or choose from the shipped: {', '.join(available)}",
        )
    stories = []
    for emotion in emotions:
        for line in (SHIPPED / "stories" / f"{emotion}.jsonl").read_text().splitlines():
            row = json.loads(line)
            stories.append(
                Story(row["emotion"], row["topic"], row["text"], row.get("narrator", ""), "shipped")
            )
    return stories


def _rows(path: Path, emotions: Sequence[str]) -> list[dict[str, str]]:
    """The JSON rows of ``path`` whose emotion is one of ``emotions``, in the file's order."""
    wanted = set(emotions)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [row for row in rows if row["emotion"] in wanted]


def load_registers(emotions: Sequence[str]) -> list[Story]:
    """The shipped register texts (sentences, dialogue turns, diary entries, news-like reports)
    of these emotions, in the file's order; every shipped emotion has them."""
    return [
        Story(row["emotion"], row["topic"], row["text"], "", "registers")
        for row in _rows(REGISTERS, emotions)
    ]


def load_more_stories(emotions: Sequence[str]) -> list[Story]:
    """The shipped stories by two more writers (steer/data/stimuli/more_stories) of these
    emotions, in the file's order; every shipped emotion has ten, one per shipped topic."""
    return [
        Story(row["emotion"], row["topic"], row["text"], row["narrator"], "more_stories")
        for row in _rows(MORE_STORIES, emotions)
    ]


def shipped_neutral() -> list[list[Message]]:
    """The shipped neutral dialogues, each a fresh list of turns."""
    return [list(turns) for turns in neutral_dialogues()]
