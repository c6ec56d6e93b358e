"""Self-generated stories and neutral dialogues: rejection, caching, resuming, cache keys."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import steer.stimuli.self_generated as self_generated
from steer.errors import SteerError
from steer.generation import Generated, generate_rows
from steer.generation_settings import GenerationSettings
from steer.json_files import read_records
from steer.models.loaded import LoadedModel
from steer.resources import content_hash
from steer.steering.plan import SteeringPlan
from steer.stimuli.self_generated import (
    STORY_PROMPT,
    StoryGenerationSettings,
    clean_reply,
    generate_neutral_dialogues,
    generate_stories,
    neutral_cache_dir,
    story_cache_dir,
)

CLEAN = "She folded the letter twice, set it on the table and stared at the door for a while."
FORBIDDEN = "I feel so desperate and calm about all of this, truly and deeply."


class Interrupted(Exception):
    """Stands for a run killed in the middle of a generation."""


class FakeWriter:
    """Stands in for ``generate_rows``; a row's reply depends only on the batch seed and the row.

    ``reply(call, seed, row)`` gives the text; ``interrupt_on`` makes that call raise.
    """

    def __init__(
        self,
        reply: Callable[[int, int, int], str] | None = None,
        interrupt_on: int | None = None,
    ) -> None:
        self.reply = reply or seeded_reply
        self.interrupt_on = interrupt_on
        self.calls = 0
        self.prompts: list[list[int]] = []

    def __call__(
        self,
        model: LoadedModel,
        prompts: Sequence[Sequence[int]],
        strengths: Sequence[float],
        plan: SteeringPlan | None,
        settings: GenerationSettings,
        seed: int,
    ) -> list[Generated]:
        self.calls += 1
        if self.calls == self.interrupt_on:
            raise Interrupted
        assert plan is None and list(strengths) == [0.0] * len(prompts)
        assert settings.do_sample
        self.prompts += [list(ids) for ids in prompts]
        return [
            Generated([], self.reply(self.calls, seed, row), "eos") for row in range(len(prompts))
        ]


def seeded_reply(call: int, seed: int, row: int) -> str:
    """A clean story about a third of the time is forbidden, chosen by the seed and the row."""
    if int(content_hash([seed, row]), 16) % 3 == 0:
        return FORBIDDEN
    return f"{CLEAN} Seed {seed} row {row}."


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def use(monkeypatch: pytest.MonkeyPatch, writer: Callable[..., list[Generated]]) -> None:
    monkeypatch.setattr(self_generated, "generate_rows", writer)


SMALL = StoryGenerationSettings(
    topics=("A neighbor starts a renovation project", "A person finds a hidden letter"),
    stories_per_topic=3,
    max_attempts=3,
    min_words=5,
    batch_size=4,
)


def test_clean_reply_strips_wrappers_but_keeps_the_story() -> None:
    assert clean_reply(f"Here is a short story:\n\n{CLEAN}") == CLEAN
    assert clean_reply(f"Sure! Here's the story: {CLEAN}") == CLEAN
    assert clean_reply(f"# The Letter\n\n**Chapter one**\n{CLEAN}") == CLEAN
    assert clean_reply(f'"{CLEAN}"') == CLEAN
    assert clean_reply(f"“{CLEAN}”\n\n---\nI hope you enjoyed it!") == CLEAN
    dialogue = f'"Wait," she said. {CLEAN} "Now."'
    assert clean_reply(dialogue) == dialogue
    assert clean_reply(f"Okay, I told myself. {CLEAN}") == f"Okay, I told myself. {CLEAN}"


def test_a_story_with_a_forbidden_word_is_rejected_and_retried(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = FakeWriter(lambda call, seed, row: "I feel so desperate" if call == 1 else CLEAN)
    use(monkeypatch, writer)
    settings = dataclasses.replace(SMALL, topics=("A lost key",), stories_per_topic=1)
    stories = generate_stories(tiny, ["desperate"], settings)
    assert writer.calls == 2
    assert [(s.emotion, s.topic, s.text, s.source) for s in stories] == [
        ("desperate", "A lost key", CLEAN, "self_generated")
    ]
    folder = story_cache_dir(tiny, settings)
    [kept] = read_records(folder / "desperate.jsonl")
    assert kept["attempt"] == 2 and kept["narrator"] == stories[0].narrator
    [dropped] = read_records(folder / "rejected" / "desperate.jsonl")
    assert (dropped["attempt"], dropped["reason"], dropped["detail"]) == (
        1,
        "forbidden",
        "desperate",
    )
    stats = json.loads((folder / "stats.json").read_text())["desperate"]
    assert stats == {"slots": 1, "accepted": 1, "rejected": 1, "rejected_forbidden": 1, "failed": 0}


def test_a_slot_that_never_succeeds_is_skipped_with_a_warning(
    tiny: LoadedModel,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = FakeWriter(lambda call, seed, row: "Too short." if row == 0 else CLEAN)
    use(monkeypatch, writer)
    settings = dataclasses.replace(SMALL, topics=("A lost key",), stories_per_topic=2)
    with caplog.at_level(logging.WARNING, logger=self_generated.__name__):
        stories = generate_stories(tiny, ["calm"], settings)
    assert [s.text for s in stories] == [CLEAN]
    assert writer.calls == settings.max_attempts
    assert "calm: 1 slot(s) got no acceptable reply in 3 attempts" in caplog.text
    stats = json.loads((story_cache_dir(tiny, settings) / "stats.json").read_text())["calm"]
    assert (stats["accepted"], stats["rejected_too_short"], stats["failed"]) == (1, 3, 1)


def test_the_prompt_asks_for_the_emotion_on_the_topic_with_alternating_narrators(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = FakeWriter(lambda call, seed, row: CLEAN)
    use(monkeypatch, writer)
    stories = generate_stories(tiny, ["proud"], SMALL)
    assert len(stories) == 6
    assert [s.narrator for s in stories] == ["first", "third", "first", "third", "first", "third"]
    prompt = tiny.formatter.decode(writer.prompts[1])
    assert "A neighbor starts a renovation project" in prompt
    assert 'Never use the word "proud"' in prompt and "third person" in prompt
    assert "about 120 words" in prompt


def test_the_cache_makes_a_second_call_generate_nothing(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = FakeWriter()
    use(monkeypatch, first)
    stories = generate_stories(tiny, ["desperate", "calm"], SMALL)
    assert first.calls > 0 and len(stories) > 6
    second = FakeWriter()
    use(monkeypatch, second)
    assert generate_stories(tiny, ["desperate", "calm"], SMALL) == stories
    assert generate_stories(tiny, ["calm"], SMALL) == [s for s in stories if s.emotion == "calm"]
    assert second.calls == 0


@pytest.mark.parametrize("interrupt_on", [2, 4])
def test_an_interrupted_run_resumes_to_the_stories_of_an_uninterrupted_run(
    tiny: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, interrupt_on: int
) -> None:
    emotions = ["desperate", "calm"]
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "uninterrupted"))
    whole = FakeWriter()
    use(monkeypatch, whole)
    expected = generate_stories(tiny, emotions, SMALL)
    assert whole.calls > 4  # some batches were retries of rejected slots

    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "interrupted"))
    use(monkeypatch, FakeWriter(interrupt_on=interrupt_on))
    with pytest.raises(Interrupted):
        generate_stories(tiny, emotions, SMALL)
    resumed = FakeWriter()
    use(monkeypatch, resumed)
    assert generate_stories(tiny, emotions, SMALL) == expected
    # the batches finished before the interruption were not generated again
    assert resumed.calls == whole.calls - (interrupt_on - 1)


def test_lost_records_are_regenerated_exactly(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use(monkeypatch, FakeWriter())
    expected = generate_stories(tiny, ["desperate"], SMALL)
    path = story_cache_dir(tiny, SMALL) / "desperate.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + lines[2] + lines[3][:10])  # two records lost, one torn
    again = FakeWriter()
    use(monkeypatch, again)
    assert generate_stories(tiny, ["desperate"], SMALL) == expected
    assert 0 < again.calls < 4


def test_resume_on_the_tiny_model_gives_the_stories_of_an_uninterrupted_run(
    tiny: LoadedModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = StoryGenerationSettings(
        topics=("A lost key", "A late train"),
        stories_per_topic=2,
        max_new_tokens=8,
        min_words=1,
        batch_size=3,
        seed=5,
    )
    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "uninterrupted"))
    expected = generate_stories(tiny, ["hopeful", "bored"], settings)
    assert len({s.text for s in expected}) == len(expected) >= 6

    calls = 0

    def killed_on_second_call(*args: object, **kwargs: object) -> list[Generated]:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Interrupted
        return generate_rows(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setenv("STEER_CACHE", str(tmp_path / "interrupted"))
    use(monkeypatch, killed_on_second_call)
    with pytest.raises(Interrupted):
        generate_stories(tiny, ["hopeful", "bored"], settings)
    use(monkeypatch, generate_rows)
    assert generate_stories(tiny, ["hopeful", "bored"], settings) == expected


def test_different_settings_use_a_different_cache_key(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = story_cache_dir(tiny, SMALL)
    assert story_cache_dir(tiny, dataclasses.replace(SMALL)) == folder
    others = [
        dataclasses.replace(SMALL, seed=1),
        dataclasses.replace(SMALL, temperature=0.7),
        dataclasses.replace(SMALL, batch_size=2),
        dataclasses.replace(SMALL, topics=SMALL.topics[:1] if SMALL.topics else None),
    ]
    folders = {story_cache_dir(tiny, settings) for settings in others}
    folders.add(story_cache_dir(dataclasses.replace(tiny, weights_hash="other weights"), SMALL))
    assert folder not in folders and len(folders) == len(others) + 1
    assert story_cache_dir(tiny, StoryGenerationSettings()) != story_cache_dir(
        tiny, StoryGenerationSettings(topics=("only this topic",))
    )

    writer = FakeWriter()
    use(monkeypatch, writer)
    generate_stories(tiny, ["calm"], SMALL)
    before = writer.calls
    generate_stories(tiny, ["calm"], others[0])
    assert writer.calls > before  # a new key generates anew
    described = json.loads((folder / "settings.json").read_text())
    assert described["prompt"] == STORY_PROMPT
    assert described["weights_hash"] == tiny.weights_hash
    assert described["settings"]["seed"] == 0 and described["settings"]["topics"] == list(
        SMALL.topics or ()
    )


def test_neutral_dialogues_are_user_assistant_pairs_and_cached(
    tiny: LoadedModel, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = StoryGenerationSettings(max_new_tokens=8, min_words=1, batch_size=4)
    topics = ["A lost key", "A late train"]
    dialogues = generate_neutral_dialogues(tiny, topics, 2, settings)
    assert len(dialogues) == 4
    for turns, topic in zip(dialogues, [t for t in topics for _ in range(2)], strict=True):
        assert [m["role"] for m in turns] == ["user", "assistant"]
        assert topic in turns[0]["content"] and turns[1]["content"]
    assert len({turns[0]["content"] for turns in dialogues}) == 4  # varied questions
    assert (neutral_cache_dir(tiny, topics, 2, settings) / "dialogues.jsonl").is_file()
    writer = FakeWriter()
    use(monkeypatch, writer)
    assert generate_neutral_dialogues(tiny, topics, 2, settings) == dialogues
    assert writer.calls == 0
    assert neutral_cache_dir(tiny, topics, 3, settings) != neutral_cache_dir(
        tiny, topics, 2, settings
    )


def test_bad_settings_and_emotions_are_refused(tiny: LoadedModel, cache: Path) -> None:
    with pytest.raises(SteerError, match="stories_per_topic must be at least 1"):
        StoryGenerationSettings(stories_per_topic=0)
    with pytest.raises(SteerError, match="topic list is empty"):
        StoryGenerationSettings(topics=())
    with pytest.raises(SteerError, match="listed twice"):
        StoryGenerationSettings(topics=("a", "a"))
    with pytest.raises(SteerError, match="top_p"):
        StoryGenerationSettings(top_p=0)
    with pytest.raises(SteerError, match="did you mean desperate"):
        generate_stories(tiny, ["desparate"], SMALL)
    with pytest.raises(SteerError, match="per_topic"):
        generate_neutral_dialogues(tiny, ["a"], 0, SMALL)


def test_the_config_schema_and_the_factory_default_to_the_settings_defaults() -> None:
    """The three places that spell the defaults (the Hydra schema, the factory's signature and
    StoryGenerationSettings) cannot drift apart unnoticed."""
    import inspect

    from steer.cli.schema import SelfGeneratedStimuliSchema
    from steer.stimuli.sources import self_generated as factory

    settings = {f.name: f.default for f in dataclasses.fields(StoryGenerationSettings)}
    schema = {
        f.name: f.default
        for f in dataclasses.fields(SelfGeneratedStimuliSchema)
        if f.name[0] != "_"
    }
    signature = {
        name: parameter.default for name, parameter in inspect.signature(factory).parameters.items()
    }
    assert schema == signature
    assert {name: schema[name] for name in settings} == settings
