"""One emotional story, as the extraction reads it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    emotion: str
    topic: str
    text: str
    narrator: str = ""
    source: str = "shipped"


# The sources of the stimuli shipped with steer, whether or not a run includes them
SHIPPED_SOURCES = ("shipped", "more_stories", "registers")
