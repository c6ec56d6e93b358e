"""Stories of your own: ``stimuli=file stimuli.path=stories.jsonl``.

One JSON object per line: ``emotion``, ``topic`` and ``text`` (``narrator`` optional; ``source``
optional, where the text came from, which picks its ``vectors.source_weights``: an extraction's
own ``stories.jsonl`` keeps its sources, so it rebuilds the same bank). The
topic is what the validation's held-out probe splits on, so give each emotion stories on
several topics. Neutral dialogues come from the shipped corpus. The file is read before the
model loads: a missing field or an empty text is refused in one line naming the line, and an
emotion asked for with no story in one line naming the emotion.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.models.prompts import Message
from steer.stimuli.shipped import shipped_neutral
from steer.stimuli.story import Story
from steer.user_files import read_text

FIELDS = ("emotion", "topic", "text")
FIX = 'write one JSON object per line: {"emotion": ..., "topic": ..., "text": ...}'


def read_stories(path: Path) -> list[Story]:
    """Every story of a JSON-lines file, or a SteerError naming the first bad line."""
    stories = []
    text = read_text(path, "stories file", FIX)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise SteerError(f"{path} line {number} is not JSON ({error.msg})", FIX) from None
        if not isinstance(row, dict):
            raise SteerError(f"{path} line {number} is not a JSON object", FIX)
        missing = [f for f in FIELDS if not isinstance(row.get(f), str) or not row[f].strip()]
        if missing:
            raise SteerError(f"{path} line {number} has no {missing[0]} (a non-empty string)", FIX)
        narrator, source = row.get("narrator", ""), row.get("source", "")
        stories.append(
            Story(
                row["emotion"].strip(),
                row["topic"].strip(),
                row["text"],
                narrator if isinstance(narrator, str) else "",
                source if isinstance(source, str) and source.strip() else f"file:{path.name}",
            )
        )
    if not stories:
        raise SteerError(f"{path} holds no stories", FIX)
    return stories


class FileStimuli:
    """Stories from a JSON-lines file; the shipped neutral dialogues."""

    name = "file"

    def __init__(self, path: str) -> None:
        self.path = Path(path).expanduser()
        self.all_stories = read_stories(self.path)  # read (and refused) before the model loads

    def stories(self, model: LoadedModel, emotions: Sequence[str]) -> list[Story]:
        stories = self.all_stories
        available = sorted({s.emotion for s in stories})
        missing = [e for e in emotions if e not in available]
        if missing:
            raise SteerError(
                f"{self.path} has no story for {', '.join(missing)}",
                f"add stories for them, or set vectors.emotions to some of: {', '.join(available)}",
            )
        wanted = set(emotions)
        return [s for s in stories if s.emotion in wanted]

    def neutral(self, model: LoadedModel) -> list[list[Message]]:
        return shipped_neutral()
