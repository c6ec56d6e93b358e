"""The shipped corpus: coverage, variety, and no story naming its own emotion."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.resources import emotion_words, neutral_dialogues
from steer.stimuli.emotions import CORE, resolve_emotions
from steer.stimuli.forbidden import forbidden_words_in
from steer.stimuli.shipped import (
    REGISTERS,
    load_more_stories,
    load_shipped,
    shipped_story_emotions,
    shipped_topics,
)
from steer.stimuli.sources import ShippedStimuli

SHIPPED = shipped_story_emotions()


def test_every_core_emotion_is_shipped_and_in_the_paper_list() -> None:
    assert len(CORE) == 24
    assert set(CORE) <= set(SHIPPED) <= set(emotion_words())


@pytest.mark.parametrize("emotion", SHIPPED)
def test_each_emotion_has_twenty_varied_stories(emotion: str) -> None:
    stories = load_shipped([emotion])
    assert len(stories) >= 20
    assert len({s.text for s in stories}) == len(stories)
    topics = Counter(s.topic for s in stories)
    assert set(topics) == set(shipped_topics())
    assert {s.narrator for s in stories} == {"first", "third"}


@pytest.mark.parametrize("emotion", SHIPPED)
def test_no_story_contains_its_own_emotion_word(emotion: str) -> None:
    for story in load_shipped([emotion]):
        assert forbidden_words_in(story.text, emotion) == [], story.text[:80]


def test_the_forbidden_rule_catches_families_and_synonyms() -> None:
    assert forbidden_words_in("She was desperately searching.", "desperate") == ["desperately"]
    assert forbidden_words_in("I felt calmness and serene.", "calm") == ["calmness", "serene"]
    assert forbidden_words_in("An angry man.", "angry") == ["angry"]
    assert forbidden_words_in("The contents of the box.", "content") == ["contents"]
    assert forbidden_words_in("Nothing to see here.", "afraid") == []
    assert forbidden_words_in("It happened on a saddle.", "happy") == []
    assert forbidden_words_in("It happened on a saddle.", "sad") == []
    assert forbidden_words_in("She was happier.", "happy") == ["happier"]


def test_neutral_dialogues_are_shipped() -> None:
    dialogues = neutral_dialogues()
    assert len(dialogues) >= 100
    assert all(
        turns[0]["role"] == "user" and turns[-1]["role"] == "assistant" for turns in dialogues
    )


def test_subsets_and_unknown_emotions() -> None:
    assert resolve_emotions("core") == list(CORE)
    assert len(resolve_emotions("all")) == 171
    assert resolve_emotions(["calm", "desperate"]) == ["calm", "desperate"]
    with pytest.raises(SteerError, match="did you mean desperate"):
        resolve_emotions(["desparate"])
    with pytest.raises(SteerError, match="no shipped stories for vengeful"):
        load_shipped(["vengeful"])


def test_register_texts_cover_every_shipped_emotion_in_four_styles_on_shipped_topics() -> None:
    rows = [json.loads(line) for line in REGISTERS.read_text().splitlines()]
    assert Counter(r["emotion"] for r in rows) == {e: 16 for e in SHIPPED}
    assert Counter((r["emotion"], r["style"], r["writer"]) for r in rows) == {
        (e, style, writer): 2
        for e in SHIPPED
        for style in ("sentence", "dialogue", "diary", "news")
        for writer in ("a", "b")
    }
    assert {r["topic"] for r in rows} <= set(shipped_topics())
    assert len({r["text"] for r in rows}) == len(rows)
    for row in rows:
        assert forbidden_words_in(row["text"], row["emotion"]) == [], row["text"]


def test_registers_are_added_to_the_stories_only_when_asked(tiny: LoadedModel) -> None:
    plain = ShippedStimuli().stories(tiny, ["calm", "sad"])
    both = ShippedStimuli(registers=True)
    stories = both.stories(tiny, ["calm", "sad"])
    assert stories[: len(plain)] == plain and len(stories) == len(plain) + 32
    assert {s.source for s in stories[len(plain) :]} == {"registers"}
    assert (ShippedStimuli().name, both.name) == ("shipped", "shipped+registers")


@pytest.mark.parametrize("emotion", SHIPPED)
def test_more_stories_give_each_emotion_one_clean_story_per_topic(emotion: str) -> None:
    stories = load_more_stories([emotion])
    assert sorted(s.topic for s in stories) == sorted(shipped_topics())
    assert {s.narrator for s in stories} == {"first", "third"}
    shipped = {s.text for s in load_shipped([emotion])}
    for story in stories:
        assert story.text not in shipped
        assert 110 <= len(story.text.split()) <= 200, story.text[:80]
        assert forbidden_words_in(story.text, emotion) == [], story.text[:80]


def test_more_stories_come_after_the_shipped_ones_only_when_asked(tiny: LoadedModel) -> None:
    plain = ShippedStimuli().stories(tiny, ["calm", "sad"])
    more = ShippedStimuli(more_stories=True, registers=True)
    stories = more.stories(tiny, ["calm", "sad"])
    assert stories[: len(plain)] == plain and len(stories) == len(plain) + 20 + 32
    sources = [s.source for s in stories[len(plain) :]]
    assert sources == ["more_stories"] * 20 + ["registers"] * 32
    assert more.name == "shipped+more_stories+registers"
