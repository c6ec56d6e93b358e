"""The cross-source evaluation texts and dose templates shipped in ``steer/data/cross_source``.

Written for evaluation only, never for training (see the README beside them): short
sentences, dialogue turns, diary entries and news-like reports for 16 emotions, split into
``dev`` (the half that extraction choices may be tuned on) and ``test`` (held out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from steer.resources import DATA

__all__ = [
    "CROSS_SOURCE",
    "SPLITS",
    "STYLES",
    "DoseTemplate",
    "EvalText",
    "dose_templates",
    "eval_texts",
]

CROSS_SOURCE = DATA / "cross_source"
STYLES = ("sentence", "dialogue", "diary", "news")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class EvalText:
    id: str
    emotion: str
    style: str
    split: str
    text: str


@dataclass(frozen=True)
class DoseTemplate:
    """A sentence whose ``{x}`` slot takes ``values`` in order of rising intensity of
    ``emotion``."""

    id: str
    emotion: str
    template: str
    values: tuple[str, ...]

    def texts(self) -> list[str]:
        return [self.template.format(x=value) for value in self.values]


def _rows(name: str) -> list[dict[str, object]]:
    lines = (CROSS_SOURCE / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def eval_texts() -> tuple[EvalText, ...]:
    return tuple(
        EvalText(
            id=str(row["id"]),
            emotion=str(row["emotion"]),
            style=str(row["style"]),
            split=str(row["split"]),
            text=str(row["text"]),
        )
        for row in _rows("texts.jsonl")
    )


@cache
def dose_templates() -> tuple[DoseTemplate, ...]:
    templates = []
    for row in _rows("dose.jsonl"):
        values = row["values"]
        assert isinstance(values, list)
        templates.append(
            DoseTemplate(
                id=str(row["id"]),
                emotion=str(row["emotion"]),
                template=str(row["template"]),
                values=tuple(str(v) for v in values),
            )
        )
    return tuple(templates)
