"""What ``steer inspect`` draws and flags: the ``inspect`` config node, checked on the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from omegaconf import DictConfig

from steer.choices import Site
from steer.errors import SteerError
from steer.hooks import HookRef

Reply = Literal["steered", "baseline", "none"]
REPLIES: tuple[Reply, ...] = ("steered", "baseline", "none")

MAX_HEADS_PER_FIGURE = 16
MAX_TOKENS_SHOWN = 120


@dataclass(frozen=True)
class InspectSettings:
    strength: float  # the steered strength; the baseline is strength 0
    attention_layers: tuple[int, ...]
    heads: tuple[int, ...]
    n_heads: int  # heads per layer in the model
    max_tokens: int
    reply: Reply
    z_threshold: float
    flag_layers: tuple[int, ...]
    max_figure_prompts: int | None

    def record(self) -> dict[str, object]:
        return {
            "strength": self.strength,
            "attention_layers": list(self.attention_layers),
            "heads": list(self.heads),
            "n_heads": self.n_heads,
            "max_tokens": self.max_tokens,
            "reply": self.reply,
            "z_threshold": self.z_threshold,
            "flag_layers": list(self.flag_layers),
            "max_figure_prompts": self.max_figure_prompts,
        }


def steered_strength(strengths: Sequence[float], chosen: float | None) -> float:
    """``chosen`` if given, else the largest |strength| listed (the positive one on a tie)."""
    if chosen is not None:
        if float(chosen) == 0.0:
            raise SteerError(
                "inspect.strength is 0, which is the baseline itself",
                "set inspect.strength to a nonzero strength, e.g. inspect.strength=0.1",
            )
        return float(chosen)
    nonzero = [float(s) for s in strengths if float(s) != 0.0]
    if not nonzero:
        raise SteerError(
            "steering.strengths holds no nonzero strength to compare with the baseline",
            "set e.g. steering.strengths=[0.1] or inspect.strength=0.1",
        )
    return max(nonzero, key=lambda s: (abs(s), s))


def check_layers(layers: Sequence[int], n_layers: int, key: str) -> tuple[int, ...]:
    """Layer indices (negative ones count from the end), refused when out of range."""
    resolved = []
    for layer in layers:
        index = int(layer) + n_layers if int(layer) < 0 else int(layer)
        if not 0 <= index < n_layers:
            raise SteerError(
                f"{key} holds layer {layer}, out of range for a model with {n_layers} layers",
                f"choose {key} from 0 to {n_layers - 1} (or -1 for the last)",
            )
        resolved.append(index)
    return tuple(dict.fromkeys(resolved))


def check_heads(heads: Sequence[int] | None, max_heads: int, n_heads: int) -> tuple[int, ...]:
    """The heads drawn: the listed ones, or the first ``max_heads``; never more than
    ``MAX_HEADS_PER_FIGURE`` (one row of the figure each)."""
    if heads is None:
        if not 1 <= max_heads <= MAX_HEADS_PER_FIGURE:
            raise SteerError(
                f"inspect.max_heads must be from 1 to {MAX_HEADS_PER_FIGURE}",
                "set e.g. inspect.max_heads=4 (one figure row per head)",
            )
        return tuple(range(min(max_heads, n_heads)))
    if not heads:
        raise SteerError("inspect.heads is empty", "list heads, e.g. inspect.heads=[0,1]")
    if len(set(heads)) > MAX_HEADS_PER_FIGURE:
        raise SteerError(
            f"inspect.heads lists {len(set(heads))} heads; a figure shows at most "
            f"{MAX_HEADS_PER_FIGURE}",
            "list fewer heads, or run steer inspect once per group of heads",
        )
    for head in heads:
        if not 0 <= int(head) < n_heads:
            raise SteerError(
                f"inspect.heads holds head {head}, out of range for {n_heads} heads per layer",
                f"choose heads from 0 to {n_heads - 1}",
            )
    return tuple(dict.fromkeys(int(h) for h in heads))


def first_attention_reading(refs: Sequence[HookRef], n_layers: int) -> tuple[int, ...]:
    """The first block whose attention reads each steered point: the block itself for
    ``resid_pre``, else the next one (a ``resid_post`` vector at L first enters the attention
    of L + 1; the attention of L is computed before it and is identical by construction)."""
    layers = [ref.layer if ref.site is Site.resid_pre else ref.layer + 1 for ref in refs]
    return tuple(dict.fromkeys(min(layer, n_layers - 1) for layer in layers))


def _reply(value: str) -> Reply:
    for choice in REPLIES:
        if value == choice:
            return choice
    raise SteerError(f"unknown inspect.reply {value!r}", f"use one of: {', '.join(REPLIES)}")


def inspect_settings(
    node: DictConfig,
    strengths: Sequence[float],
    steered_refs: Sequence[HookRef],
    n_layers: int,
    n_heads: int,
) -> InspectSettings:
    """The checked settings (before any generation or inspection pass runs)."""
    layers = node.layers
    attention_layers = (
        first_attention_reading(steered_refs, n_layers)
        if layers is None
        else check_layers(list(layers), n_layers, "inspect.layers")
    )
    flag_layers = node.flag_layers
    heads = None if node.heads is None else [int(h) for h in node.heads]
    if not 2 <= int(node.max_tokens) <= MAX_TOKENS_SHOWN:
        raise SteerError(
            f"inspect.max_tokens must be from 2 to {MAX_TOKENS_SHOWN} (labels stay readable)",
            "set e.g. inspect.max_tokens=40",
        )
    if float(node.z_threshold) <= 0:
        raise SteerError("inspect.z_threshold must be positive", "set e.g. inspect.z_threshold=2")
    figures = node.max_figure_prompts
    if figures is not None and int(figures) < 0:
        raise SteerError("inspect.max_figure_prompts must not be negative", "set 0 or more")
    return InspectSettings(
        strength=steered_strength(strengths, node.strength),
        attention_layers=attention_layers,
        heads=check_heads(heads, int(node.max_heads), n_heads),
        n_heads=n_heads,
        max_tokens=int(node.max_tokens),
        reply=_reply(str(node.reply)),
        z_threshold=float(node.z_threshold),
        flag_layers=(
            tuple(dict.fromkeys(ref.layer for ref in steered_refs))  # where a monitor reads
            if flag_layers is None
            else check_layers(list(flag_layers), n_layers, "inspect.flag_layers")
        ),
        max_figure_prompts=None if figures is None else int(figures),
    )
