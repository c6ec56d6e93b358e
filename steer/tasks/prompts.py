"""``task=prompts``: free-form prompts from the config or from a text / JSONL file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from steer.errors import SteerError
from steer.metrics.declared import TaskMetrics
from steer.metrics.text import TEXT_METRICS, emotion_word_counts, text_metrics
from steer.tasks.base import Episode, Score, last_attempt_outcome
from steer.user_files import read_text


def _from_jsonl_line(line: str, number: int, path: Path) -> Episode:
    fix = 'each line must be {"prompt": "..."} or {"messages": [...]}, with an optional "id"'
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise SteerError(f"{path} line {number} is not valid JSON ({error.msg})", fix) from None
    if not isinstance(row, dict):
        raise SteerError(f"{path} line {number} is not a JSON object", fix)
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
    raise SteerError(f"{path} line {number} has no non-empty 'prompt' or 'messages'", fix)


def load_prompt_file(path: Path) -> list[Episode]:
    lines = read_text(path, "prompt file", "check task.path").split("\n")
    if path.suffix == ".jsonl":
        prompts = [
            _from_jsonl_line(line, number, path)
            for number, line in enumerate(lines, start=1)
            if line.strip()
        ]
    else:
        texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        prompts = [
            Episode(f"p{i:03d}", ({"role": "user", "content": text},))
            for i, text in enumerate(texts)
        ]
    if not prompts:
        raise SteerError(f"prompt file {path} holds no prompts", "write one prompt per line")
    refuse_duplicate_ids(prompts, str(path))
    return prompts


def refuse_duplicate_ids(episodes: Sequence[Episode], where: str) -> None:
    seen: set[str] = set()
    for episode in episodes:
        if episode.id in seen:
            raise SteerError(
                f"id {episode.id!r} appears twice in {where}",
                "give every prompt its own id (records, resuming and comparisons key on it)",
            )
        seen.add(episode.id)


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
