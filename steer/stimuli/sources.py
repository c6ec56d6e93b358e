"""The ``stimuli/`` config group: where stories and neutral dialogues come from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.stimuli.self_generated import (
    StoryGenerationSettings,
    generate_neutral_dialogues,
    generate_stories,
)
from steer.stimuli.shipped import (
    load_more_stories,
    load_registers,
    load_shipped,
    shipped_neutral,
    shipped_topics,
)
from steer.stimuli.story import Story


class Stimuli(Protocol):
    name: str

    def stories(self, model: LoadedModel, emotions: Sequence[str]) -> list[Story]: ...

    def neutral(self, model: LoadedModel) -> list[list[Message]]: ...


class ShippedStimuli:
    """The curated stories and neutral dialogues that ship with steer; with ``more_stories``,
    also ten stories per emotion by two more writers (steer/data/stimuli/more_stories); with
    ``registers``, also the shipped register texts (steer/data/stimuli/registers)."""

    def __init__(self, registers: bool = False, more_stories: bool = False) -> None:
        self.registers = registers
        self.more_stories = more_stories
        self.name = "shipped" + "+more_stories" * more_stories + "+registers" * registers

    def stories(self, model: LoadedModel, emotions: Sequence[str]) -> list[Story]:
        stories = load_shipped(emotions)
        if self.more_stories:
            stories += load_more_stories(emotions)
        if self.registers:
            stories += load_registers(emotions)
        return stories

    def neutral(self, model: LoadedModel) -> list[list[Message]]:
        return shipped_neutral()


class SelfGeneratedStimuli:
    """Stories the loaded model writes (cached, resumable); neutral texts shipped or generated."""

    name = "self_generated"

    def __init__(
        self,
        settings: StoryGenerationSettings,
        neutral_source: str = "shipped",
        neutral_per_topic: int = 6,
    ) -> None:
        if neutral_source not in ("shipped", "self_generated"):
            raise SteerError(
                f"unknown stimuli.neutral_source {neutral_source!r}",
                "use shipped or self_generated",
            )
        self.settings = settings
        self.neutral_source = neutral_source
        self.neutral_per_topic = neutral_per_topic

    def stories(self, model: LoadedModel, emotions: Sequence[str]) -> list[Story]:
        return generate_stories(model, emotions, self.settings)

    def neutral(self, model: LoadedModel) -> list[list[Message]]:
        if self.neutral_source == "shipped":
            return shipped_neutral()
        topics = self.settings.topics or shipped_topics()
        return generate_neutral_dialogues(model, topics, self.neutral_per_topic, self.settings)


def self_generated(
    topics: Sequence[str] | None = None,
    stories_per_topic: int = 2,
    words: int = 120,
    max_new_tokens: int = 220,
    temperature: float = 0.9,
    top_p: float = 0.95,
    max_attempts: int = 4,
    min_words: int = 40,
    batch_size: int = 8,
    seed: int = 0,
    neutral_source: str = "shipped",
    neutral_per_topic: int = 6,
) -> SelfGeneratedStimuli:
    """The Hydra ``_target_`` of ``stimuli=self_generated``."""
    settings = StoryGenerationSettings(
        topics=tuple(topics) if topics else None,
        stories_per_topic=stories_per_topic,
        words=words,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        max_attempts=max_attempts,
        min_words=min_words,
        batch_size=batch_size,
        seed=seed,
    )
    return SelfGeneratedStimuli(settings, neutral_source, neutral_per_topic)
