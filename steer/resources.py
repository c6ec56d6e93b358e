"""Data shipped inside the package: emotion words and neutral reference dialogues."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from steer.models.prompts import Message

DATA = Path(str(files("steer").joinpath("data")))


def _lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


@cache
def emotion_words() -> tuple[str, ...]:
    """The paper's 171 emotion concepts."""
    return tuple(_lines(DATA / "emotions.txt"))


@cache
def neutral_dialogues() -> tuple[tuple[Message, ...], ...]:
    """Emotionally flat user/assistant dialogues (the paper's denoising and norm reference)."""
    rows = [json.loads(line) for line in _lines(DATA / "stimuli" / "shipped" / "neutral.jsonl")]
    return tuple(tuple(dict(m) for m in row["messages"]) for row in rows)


def content_hash(value: Any) -> str:
    """A short stable hash of JSON-serialisable data (texts, settings) for provenance."""
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
