"""Prompts must fit the model's context with room for the reply, checked before generating.

A prompt longer than the model's position limit is refused, naming the prompt: generating from
it gives garbage at best, and a prompt of megabytes runs for minutes before the allocator gives
up. A text far longer than the context could hold is refused from its length in characters,
without tokenizing it (which alone takes seconds per megabyte).
"""

from __future__ import annotations

from collections.abc import Sequence

from steer.errors import SteerError
from steer.models.loaded import LoadedModel
from steer.tasks.base import Episode

FIX = "shorten the prompt or split it, or lower generation.max_new_tokens"


def check_context(model: LoadedModel, episodes: Sequence[Episode], max_new_tokens: int) -> None:
    context = model.context_length
    if context is None:
        return
    budget = context - max_new_tokens
    if budget < 1:
        raise SteerError(
            f"generation.max_new_tokens={max_new_tokens} leaves no room for a prompt in the "
            f"model's context of {context} tokens",
            f"set generation.max_new_tokens below {context}",
        )
    for episode in episodes:
        characters = sum(len(message["content"]) for message in episode.messages)
        if characters > budget * model.max_token_chars:
            raise SteerError(
                f"prompt {episode.id!r} has {characters:,} characters, more than the model's "
                f"context of {context:,} tokens can hold",
                FIX,
            )
        tokens = len(model.formatter.chat_ids(list(episode.messages)))
        if tokens > budget:
            raise SteerError(
                f"prompt {episode.id!r} is {tokens:,} tokens; with generation.max_new_tokens="
                f"{max_new_tokens} that exceeds the model's context of {context:,} tokens",
                FIX,
            )
