"""The cross-source evaluation texts: coverage, no emotion words, no leakage from training."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from steer.resources import emotion_words
from steer.stimuli.forbidden import forbidden_words_in
from steer.stimuli.shipped import (
    load_more_stories,
    load_registers,
    load_shipped,
    shipped_story_emotions,
)
from steer.validation.cross_source_texts import SPLITS, STYLES, dose_templates, eval_texts

TEXTS = eval_texts()
EMOTIONS = sorted({t.emotion for t in TEXTS})
DOSE_TEXTS = [text for template in dose_templates() for text in template.texts()]
EVERY_TEXT = [t.text for t in TEXTS] + DOSE_TEXTS


def test_at_least_twelve_shipped_emotions_in_every_style_and_split() -> None:
    assert len(EMOTIONS) >= 12 and set(EMOTIONS) <= set(shipped_story_emotions())
    assert len({t.id for t in TEXTS}) == len(TEXTS)
    cells = Counter((t.emotion, t.style, t.split) for t in TEXTS)
    for emotion in EMOTIONS:
        for style in STYLES:
            for split in SPLITS:
                assert cells[emotion, style, split] >= 1, (emotion, style, split)
    assert Counter(t.split for t in TEXTS)["dev"] == Counter(t.split for t in TEXTS)["test"]


def test_dose_templates_name_a_benchmark_emotion_and_rise_over_several_values() -> None:
    templates = dose_templates()
    assert len(templates) >= 8 and len({t.id for t in templates}) == len(templates)
    for template in templates:
        assert template.emotion in EMOTIONS and "{x}" in template.template
        assert len(template.values) >= 5 and len(set(template.values)) == len(template.values)


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_no_text_names_a_benchmark_emotion_its_family_or_a_synonym(emotion: str) -> None:
    """Stricter than the stories' rule: no text may name any of the benchmark's emotions."""
    for text in EVERY_TEXT:
        assert forbidden_words_in(text, emotion) == [], text


def test_no_text_contains_any_of_the_papers_171_emotion_words() -> None:
    words = [re.compile(rf"\b{re.escape(w)}\b", re.IGNORECASE) for w in emotion_words()]
    for text in EVERY_TEXT:
        assert [p.pattern for p in words if p.search(text)] == [], text


def _six_grams(text: str) -> set[tuple[str, ...]]:
    tokens = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(tokens[i : i + 6]) for i in range(len(tokens) - 5)}


def test_no_evaluation_text_shares_a_story_or_a_six_word_run_with_the_training_stimuli() -> None:
    emotions = list(shipped_story_emotions())
    stimuli = load_shipped(emotions) + load_more_stories(emotions) + load_registers(emotions)
    training = [s.text for s in stimuli]
    seen = set().union(*(_six_grams(text) for text in training))
    for text in EVERY_TEXT:
        assert not any(text in story or story in text for story in training), text
        assert _six_grams(text) & seen == set(), text
