"""Turning a prompt into token ids: the chat template when the model has one, else plain text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformers import PreTrainedTokenizerBase

Message = dict[str, str]


@dataclass(frozen=True)
class PromptFormatter:
    tokenizer: PreTrainedTokenizerBase

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def chat_ids(self, messages: list[Message], add_generation_prompt: bool = True) -> list[int]:
        """Token ids of a conversation, ready for the assistant to answer.

        Models without a chat template get the turns as ``User: ...`` / ``Assistant: ...`` lines.
        The ids are built here (not by TransformerLens), so no second BOS is ever prepended.
        """
        if self.has_chat_template:
            text = self.tokenizer.apply_chat_template(
                messages, tokenize=False, add_generation_prompt=add_generation_prompt
            )
            assert isinstance(text, str)
            return self._encode(text, add_special_tokens=False)
        lines = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
        if add_generation_prompt:
            lines.append("Assistant:")
        return self.text_ids("\n".join(lines))

    def text_ids(self, text: str) -> list[int]:
        """Token ids of raw text, with the model's BOS token in front when it has one."""
        ids = self._encode(text, add_special_tokens=False)
        bos = self.tokenizer.bos_token_id
        return [bos, *ids] if bos is not None else ids

    def _encode(self, text: str, add_special_tokens: bool) -> list[int]:
        encoded: Any = self.tokenizer(text, add_special_tokens=add_special_tokens)
        return list(encoded["input_ids"])

    def decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids, skip_special_tokens=True))
