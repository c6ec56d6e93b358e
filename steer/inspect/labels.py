"""Token labels that matplotlib draws as they are: one per token, short, no mathtext."""

from __future__ import annotations

from collections.abc import Sequence

from transformers import PreTrainedTokenizerBase

MAX_LABEL_CHARS = 12
_VISIBLE = str.maketrans({"\n": "\\n", "\t": "\\t", "\r": "\\r", "$": r"\$"})


def plot_safe(text: str) -> str:
    """Whitespace made visible, ``$`` escaped (matplotlib would read mathtext), long cut."""
    shown = text.translate(_VISIBLE)
    if len(shown) > MAX_LABEL_CHARS:
        shown = shown[: MAX_LABEL_CHARS - 1] + "…"
    return shown if shown.strip() else repr(text)


def token_texts(tokenizer: PreTrainedTokenizerBase, token_ids: Sequence[int]) -> list[str]:
    """Each token decoded alone, special tokens included (as in inspect.json)."""
    return [str(tokenizer.decode([int(t)])) for t in token_ids]
