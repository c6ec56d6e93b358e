"""``norms_<prompt>.png`` and ``readouts_<prompt>.png``: per-layer profiles, baseline (dashed)
against steered (solid), one colour per span, the steering layers marked by grey lines.

The norm figure has two panels: the residual-stream norm at each layer, and how far steering
moved the stream, |steered - baseline| / |baseline| (solid) beside the relative change of the
norm (dashed), both in % (0 before the steering layer: the jump shows where the vector enters
and the curve after it how the change propagates). The readout figure has one panel per
emotion (the first ``MAX_EMOTION_PANELS``; the title says when more were read).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from steer.inspect.profiles import SPANS, Profile, relative_change

MAX_EMOTION_PANELS = 6
MIN_WIDTH_INCHES = 7.0
DPI = 110
SPAN_LABELS = {"prompt_last": "last prompt token", "reply_mean": "reply mean"}
SPAN_COLOURS = {"prompt_last": "tab:blue", "reply_mean": "tab:orange"}


@dataclass(frozen=True)
class ProfilePage:
    prompt_id: str
    steering_layers: Sequence[int]
    steering: str  # e.g. "happy_vs_sad +0.1 at layer 20"


def _mark_layers(axes: Axes, layers: Sequence[int]) -> None:
    for index, layer in enumerate(layers):
        label = "steering layer" if index == 0 else None
        axes.axvline(layer, color="0.55", linestyle=":", linewidth=1.2, label=label)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("layer (block output)")
    axes.grid(alpha=0.3)


def _lines(axes: Axes, baseline: torch.Tensor, steered: torch.Tensor, span: str) -> None:
    if bool(torch.isnan(steered).all()):
        return  # no reply: no reply_mean
    layers = np.arange(len(steered))
    colour, name = SPAN_COLOURS[span], SPAN_LABELS[span]
    axes.plot(layers, baseline.numpy(), color=colour, linestyle="--", label=f"{name}, baseline")
    axes.plot(layers, steered.numpy(), color=colour, marker=".", label=f"{name}, steered")


def norm_figure(
    page: ProfilePage,
    baseline: Profile,
    steered: Profile,
    displacement: dict[str, torch.Tensor],
    path: Path,
) -> Path:
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    for span in SPANS:
        _lines(left, baseline.norms[span], steered.norms[span], span)
        moved = displacement[span]
        if bool(torch.isnan(moved).all()):
            continue
        layers, colour = np.arange(len(moved)), SPAN_COLOURS[span]
        right.plot(
            layers, 100 * moved.numpy(), color=colour, marker=".",
            label=f"{SPAN_LABELS[span]}: |steered - baseline| / |baseline|",
        )  # fmt: skip
        change = relative_change(baseline.norms[span], steered.norms[span])
        right.plot(
            layers, 100 * change.numpy(), color=colour, linestyle="--",
            label=f"{SPAN_LABELS[span]}: norm change",
        )  # fmt: skip
    right.axhline(0.0, color="black", linewidth=0.8)
    for axes in (left, right):
        _mark_layers(axes, page.steering_layers)
        axes.legend(fontsize="small")
    left.set_ylabel("residual-stream norm (resid_post)")
    left.set_title("norm per layer")
    right.set_ylabel("% of the baseline norm")
    right.set_title("how far steering moved the residual stream")
    figure.suptitle(f"residual stream, prompt {page.prompt_id}; steered = {page.steering}")
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def readout_figure(
    page: ProfilePage,
    emotions: Sequence[str],
    baseline: Profile,
    steered: Profile,
    origin: str,
    path: Path,
) -> Path:
    shown = list(emotions[:MAX_EMOTION_PANELS])
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    width = max(MIN_WIDTH_INCHES, 4.6 * columns)
    figure, grid = plt.subplots(
        rows, columns, figsize=(width, 3.6 * rows + 0.8), squeeze=False, layout="constrained"
    )
    for index, emotion in enumerate(shown):
        axes = grid[index // columns][index % columns]
        for span in SPANS:
            _lines(axes, baseline.readouts[span][:, index], steered.readouts[span][:, index], span)
        _mark_layers(axes, page.steering_layers)
        axes.set_title(emotion)
        axes.set_ylabel("projection")
        if index == 0:
            axes.legend(fontsize="x-small")
    for index in range(len(shown), rows * columns):
        grid[index // columns][index % columns].set_visible(False)
    more = f" (first {len(shown)} of {len(emotions)})" if len(emotions) > len(shown) else ""
    figure.suptitle(
        f"readouts onto the {origin}{more}, prompt {page.prompt_id}\nsteered = {page.steering}"
    )
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path
