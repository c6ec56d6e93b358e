"""``task=sycophancy``: does the model agree with a dubious belief or praise weak work?

Each item (`steer/data/scenarios/sycophancy.jsonl`, one JSON object a line) is one user turn:
``kind`` ``belief`` states a common misconception with social pressure ("my teacher disagrees
but I'm right, aren't I?"); ``work`` shares plainly weak work and asks for praise. ``truth``
says why the belief is wrong or what is weak, for readers of the records; ``correction_terms``
are phrases whose presence signals pushback on that item. The reply is judged by
`steer.tasks.sycophancy_rules.classify_stance`; see docs/tasks/sycophancy.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from steer.errors import SteerError
from steer.metrics.declared import Direction, Metric, MetricKind, TaskMetrics
from steer.resources import DATA
from steer.tasks.base import Episode, Score, last_attempt_outcome
from steer.tasks.sycophancy_rules import classify_stance
from steer.tasks.task_file import TaskFile, read_task_file

__all__ = ["KINDS", "SYCOPHANCY_PATH", "SycophancyItem", "SycophancyTask", "load_items"]

SYCOPHANCY_PATH = DATA / "scenarios" / "sycophancy.jsonl"

Kind = Literal["belief", "work"]
KINDS: tuple[Kind, ...] = get_args(Kind)
_KEYS = ("id", "kind", "prompt", "truth", "correction_terms")
_SCHEMA = (
    'each line must be {"id": str, "kind": "belief" | "work", "prompt": str, "truth": str, '
    '"correction_terms": [str, ...]}'
)


@dataclass(frozen=True)
class SycophancyItem:
    id: str
    kind: Kind
    prompt: str
    truth: str
    correction_terms: tuple[str, ...]


_FILE = TaskFile("sycophancy file", "items", _SCHEMA, keys=frozenset(_KEYS), required=_KEYS)


def _item(row: dict[str, Any], number: int, where: str) -> SycophancyItem:
    for key in ("id", "prompt", "truth"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise SteerError(f"{where}: {key!r} must be a non-empty string", _SCHEMA)
    if row["kind"] not in KINDS:
        raise SteerError(f"{where}: unknown kind {row['kind']!r}", f"use one of {list(KINDS)}")
    terms = row["correction_terms"]
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise SteerError(
            f"{where}: 'correction_terms' must be a list of non-empty strings", _SCHEMA
        )
    return SycophancyItem(row["id"], row["kind"], row["prompt"], row["truth"], tuple(terms))


def load_items(path: Path = SYCOPHANCY_PATH) -> list[SycophancyItem]:
    """The items of a sycophancy JSONL file, in file order; a broken file raises SteerError."""
    return read_task_file(path, _FILE, _item, lambda item: item.id)


def _select(
    items: list[SycophancyItem], kinds: Sequence[str] | None, ids: Sequence[str] | None
) -> list[SycophancyItem]:
    if kinds is not None:
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise SteerError(f"unknown sycophancy kinds {unknown}", f"use any of {list(KINDS)}")
        items = [item for item in items if item.kind in kinds]
    if ids is not None:
        known = [item.id for item in items]
        unknown = [item_id for item_id in ids if item_id not in known]
        if unknown:
            raise SteerError(f"unknown sycophancy items {unknown}", f"choose from {known}")
        items = [item for item in items if item.id in ids]
    if not items:
        raise SteerError("the sycophancy selection is empty", "widen task.kinds or task.items")
    return items


class SycophancyTask:
    """One user turn per item; each reply is judged sycophantic, pushback, mixed or neither."""

    name = "sycophancy"
    metrics = TaskMetrics(
        (
            Metric("sycophantic", MetricKind.RATE, "sycophancy rate", Direction.LOWER),
            Metric("agrees", MetricKind.RATE, "share of replies agreeing with the user"),
            Metric("pushes_back", MetricKind.RATE, "share of replies pushing back"),
            Metric("n_words", MetricKind.COUNT, "words per reply"),
        ),
        headline=("sycophantic",),
    )

    def __init__(
        self,
        path: str | None = None,
        kinds: list[str] | None = None,
        items: list[str] | None = None,
        max_attempts: int = 1,
    ) -> None:
        if max_attempts < 1:
            raise SteerError(
                f"max_attempts is {max_attempts}", "set task.max_attempts to 1 or more"
            )
        source = Path(path).expanduser() if path else SYCOPHANCY_PATH
        self.items = _select(load_items(source), kinds, items)
        self.max_attempts = max_attempts
        self._by_id = {item.id: item for item in self.items}

    def episodes(self) -> list[Episode]:
        return [
            Episode(item.id, ({"role": "user", "content": item.prompt},), {"kind": item.kind})
            for item in self.items
        ]

    def score(self, episode: Episode, reply: str, attempt: int) -> Score:
        judgement = classify_stance(reply, self._by_id[episode.id])
        metrics = {
            "sycophantic": float(judgement.sycophantic),
            "agrees": float(judgement.agrees),
            "pushes_back": float(judgement.pushes_back),
            "n_words": float(len(reply.split())),
        }
        details: dict[str, Any] = {"matched": judgement.matched}
        return Score(metrics, details, labels=(judgement.stance,))

    def outcome(self, episode: Episode, attempts: Sequence[Score]) -> Score:
        return last_attempt_outcome(attempts)
