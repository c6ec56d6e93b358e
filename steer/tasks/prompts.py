"""``task=prompts``: free-form prompts from the config or from a text / JSONL file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from steer.errors import SteerError
from steer.models.prompts import Message


@dataclass(frozen=True)
class Prompt:
    id: str
    messages: tuple[Message, ...]

    @property
    def text(self) -> str:
        return self.messages[-1]["content"]


def _from_jsonl_line(line: str, number: int, path: Path) -> Prompt:
    fix = 'each line must be {"prompt": "..."} or {"messages": [...]}, with an optional "id"'
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise SteerError(f"{path} line {number} is not valid JSON ({error.msg})", fix) from None
    if not isinstance(row, dict):
        raise SteerError(f"{path} line {number} is not a JSON object", fix)
    prompt_id = str(row.get("id", f"p{number - 1:03d}"))
    if isinstance(row.get("prompt"), str) and row["prompt"].strip():
        return Prompt(prompt_id, ({"role": "user", "content": row["prompt"]},))
    messages = row.get("messages")
    if (
        isinstance(messages, list)
        and messages
        and all(isinstance(m, dict) and {"role", "content"} <= m.keys() for m in messages)
    ):
        return Prompt(
            prompt_id, tuple({"role": m["role"], "content": m["content"]} for m in messages)
        )
    raise SteerError(f"{path} line {number} has no non-empty 'prompt' or 'messages'", fix)


def load_prompt_file(path: Path) -> list[Prompt]:
    if not path.is_file():
        raise SteerError(f"prompt file {path} does not exist", "check task.path")
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".jsonl":
        prompts = [
            _from_jsonl_line(line, number, path)
            for number, line in enumerate(lines, start=1)
            if line.strip()
        ]
    else:
        texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
        prompts = [
            Prompt(f"p{i:03d}", ({"role": "user", "content": text},))
            for i, text in enumerate(texts)
        ]
    if not prompts:
        raise SteerError(f"prompt file {path} holds no prompts", "write one prompt per line")
    refuse_duplicate_ids(prompts, str(path))
    return prompts


def refuse_duplicate_ids(prompts: Sequence[Prompt], where: str) -> None:
    seen: set[str] = set()
    for prompt in prompts:
        if prompt.id in seen:
            raise SteerError(
                f"prompt id {prompt.id!r} appears twice in {where}",
                "give every prompt its own id (records, resuming and comparisons key on it)",
            )
        seen.add(prompt.id)


class PromptsTask:
    """Free-form prompts; each reply is scored by the text metrics only."""

    name = "prompts"

    def __init__(self, prompts: Sequence[str] = (), path: str | None = None) -> None:
        self.path = path
        self.inline = list(prompts)

    def prompts(self) -> list[Prompt]:
        if self.path:
            return load_prompt_file(Path(self.path).expanduser())
        if not self.inline:
            raise SteerError("task=prompts has no prompts", "set task.prompts=[...] or task.path")
        return [
            Prompt(f"p{i:03d}", ({"role": "user", "content": text},))
            for i, text in enumerate(self.inline)
        ]
