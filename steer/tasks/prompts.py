"""``task=prompts``: free-form prompts from the config or from a text / JSONL file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from steer.errors import SteerError
from steer.metrics.declared import TaskMetrics
from steer.metrics.text import TEXT_METRICS, emotion_word_counts, text_metrics
from steer.tasks.base import Episode, Score, last_attempt_outcome
from steer.tasks.task_file import LineError, TaskFile, read_task_file
from steer.user_files import read_text

_JSONL = TaskFile(
    "prompt file",
    "prompts",
    'each line must be {"prompt": "..."} or {"messages": [...]}, with an optional "id"',
)


def _from_jsonl_row(row: dict[str, Any], number: int, where: str) -> Episode:
    prompt_id = str(row.get("id", f"p{number - 1:03d}"))
    if isinstance(row.get("prompt"), str) and row["prompt"].strip():
        return Episode(prompt_id, ({"role": "user", "content": row["prompt"]},))
    messages = row.get("messages")
    if (
        isinstance(messages, list)
        and messages
        and all(isinstance(m, dict) and {"role", "content"} <= m.keys() for m in messages)
    ):
        return Episode(
            prompt_id, tuple({"role": m["role"], "content": m["content"]} for m in messages)
        )
    raise LineError("has no non-empty 'prompt' or 'messages'")


def load_prompt_file(path: Path) -> list[Episode]:
    if path.suffix == ".jsonl":
        return read_task_file(path, _JSONL, _from_jsonl_row, lambda episode: episode.id)
    lines = read_text(path, "prompt file", "check task.path").split("\n")
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not texts:
        raise SteerError(f"prompt file {path} holds no prompts", "write one prompt per line")
    return [
        Episode(f"p{i:03d}", ({"role": "user", "content": text},)) for i, text in enumerate(texts)
    ]


class PromptsTask:
    """Free-form prompts; each reply is scored by the text metrics only (one attempt)."""

    name = "prompts"
    metrics = TaskMetrics(TEXT_METRICS, headline=("vader_compound",))
    max_attempts = 1

    def __init__(self, prompts: Sequence[str] = (), path: str | None = None) -> None:
        self.path = path
        self.inline = list(prompts)

    def score(self, episode: Episode, reply: str, attempt: int) -> Score:
        return Score(text_metrics(reply), {"emotion_word_counts": emotion_word_counts(reply)})

    def outcome(self, episode: Episode, attempts: Sequence[Score]) -> Score:
        return last_attempt_outcome(attempts)

    def episodes(self) -> list[Episode]:
        if self.path:
            return load_prompt_file(Path(self.path).expanduser())
        if not self.inline:
            raise SteerError("task=prompts has no prompts", "set task.prompts=[...] or task.path")
        return [
            Episode(f"p{i:03d}", ({"role": "user", "content": text},))
            for i, text in enumerate(self.inline)
        ]
