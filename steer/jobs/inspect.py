"""``run_inspect(cfg, output_dir)``: the plain function behind ``steer inspect``.

1. Load and check everything as ``steer run`` does (``prepare``), then the inspect settings.
2. Unless ``inspect.reply=none``: generate each prompt at strength 0 and at the steered
   strength, recorded as a run records them (``generations.jsonl``, ``metrics.json``).
3. Per prompt, run the prompt and the chosen reply twice through the bridge, unsteered and
   steered, recording attention patterns and the residual stream at every layer.
4. Flag outliers over the prompt set; draw the figures; write ``inspect.json``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from steer.calibration.use import resolve_strengths
from steer.choices import Engine
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.inspect.anomaly import Flag, flag_series, max_reachable_z
from steer.inspect.capture import attention_heads
from steer.inspect.document import (
    FIGURES_DIR,
    INSPECT_JSON,
    AttentionSummaries,
    attention_summaries,
    headline_metrics,
    inspect_document,
    json_ready,
    prompt_entry,
    set_summary,
)
from steer.inspect.drawing import draw_prompt, refuse_clashing_file_names, steering_text
from steer.inspect.inspection import Inspection, inspect_transcript
from steer.inspect.labels import token_texts
from steer.inspect.profiles import ReadoutSource, readout_source
from steer.inspect.replies import Pair, generate_pairs, transcripts
from steer.inspect.series import profile_series
from steer.inspect.settings import InspectSettings, inspect_settings
from steer.json_files import write_json
from steer.output_dirs import check_writable, hold
from steer.progress import progress as show_progress
from steer.run_records import GENERATIONS, METRICS
from steer.runs.provenance import environment, model_record
from steer.runs.setup import Prepared, absolute_paths, prepare, save_config
from steer.steering.intervention import check_refs_fire
from steer.steering.strengths import check_scale

log = logging.getLogger(__name__)
INSPECT_FILES = (INSPECT_JSON, GENERATIONS, METRICS, "run.log", ".hydra/config.yaml")


def refuse_used_dir(output_dir: Path) -> None:
    used = [n for n in (INSPECT_JSON, GENERATIONS, METRICS) if (output_dir / n).exists()]
    if used:
        raise SteerError(
            f"{output_dir} already holds {', '.join(used)}",
            "choose a new output directory (hydra.run.dir=...); nothing was changed",
        )


def _warn_if_nothing_can_be_flagged(n_prompts: int, threshold: float) -> None:
    reachable = max_reachable_z(n_prompts)
    if reachable <= threshold:
        log.warning(
            "with %d prompt(s) no |z| can exceed %.2f, so nothing can be flagged at "
            "inspect.z_threshold=%g; use more prompts",
            n_prompts, reachable, threshold,
        )  # fmt: skip


def _log_summary(n_prompts: int, flags: Sequence[Flag], metrics: dict[str, float]) -> None:
    log.info("inspected %d prompt(s); %d anomaly flag(s)", n_prompts, len(flags))
    for flag in flags[:5]:
        key, outlier = flag.key, flag.outlier
        what = f"{key.kind} {key.emotion}" if key.emotion else key.kind
        log.info(
            "  flag: %s %s %s at layer %d, %s: %.4g (z %+.2f, mean %.4g, std %.4g)",
            outlier.item, key.condition, what, key.layer, key.span, outlier.value, outlier.z,
            outlier.mean, outlier.std,
        )  # fmt: skip
    for name, value in metrics.items():
        if name != "flags":
            log.info("  %s: %.4g", name, value)


def _draws(settings: InspectSettings, index: int) -> bool:
    return settings.max_figure_prompts is None or index < settings.max_figure_prompts


def _inspect_all(
    ready: Prepared,
    settings: InspectSettings,
    source: ReadoutSource,
    pairs: list[Pair] | None,
    output_dir: Path,
) -> tuple[list[Inspection], list[AttentionSummaries], list[dict[str, Any]]]:
    """Every prompt inspected and drawn; patterns are summarised and dropped as we go."""
    model, plan = ready.model, ready.plan
    chosen = transcripts(ready.prompts, pairs, settings.reply, model.formatter)
    inspections, attention, entries = [], [], []
    progress = show_progress(chosen, desc="inspecting", unit="prompt", logger=log)
    for index, transcript in enumerate(progress):
        inspection = inspect_transcript(
            model, transcript, plan, settings.strength, settings.attention_layers, source
        )
        tokens = token_texts(model.tokenizer, transcript.token_ids)
        figures = (
            draw_prompt(
                inspection, tokens, settings, plan, source, output_dir, output_dir / FIGURES_DIR
            )
            if _draws(settings, index)
            else {}
        )
        summaries = attention_summaries(inspection)
        replies = pairs[index].texts() if pairs is not None else None
        entries.append(
            prompt_entry(inspection, source.emotions, tokens, replies, summaries, figures)
        )
        inspections.append(replace(inspection, patterns={}))
        attention.append(summaries)
    return inspections, attention, entries


def run_inspect(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str] = ()
) -> dict[str, float]:
    """Inspect every prompt baseline against steered; write the files; return the metrics."""
    started = time.time()
    absolute_paths(cfg)
    refuse_non_finite(cfg)
    check_writable(output_dir, "hydra.run.dir", INSPECT_FILES)
    with hold(output_dir, "hydra.run.dir"):
        return _inspect_held(cfg, output_dir, overrides, started)


def _inspect_held(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str], started: float
) -> dict[str, float]:
    refuse_used_dir(output_dir)
    calibrated = resolve_strengths(cfg)
    ready = prepare(cfg, calibrated)
    model, plan = ready.model, ready.plan
    settings = inspect_settings(
        cfg.inspect, list(cfg.steering.strengths), plan.refs, model.n_layers,
        attention_heads(model),
    )  # fmt: skip
    check_refs_fire(model, plan.refs, Engine.bridge)  # the inspection passes steer on the bridge
    check_scale(plan, ready.vectors.layer_norms, [settings.strength], "inspect.strength")
    source = readout_source(ready.reader, ready.vectors, plan)
    save_config(cfg, overrides, output_dir)
    _warn_if_nothing_can_be_flagged(len(ready.prompts), settings.z_threshold)
    log.info("inspecting %d prompt(s), steered = %s", len(ready.prompts),
             steering_text(plan, settings.strength))  # fmt: skip
    refuse_clashing_file_names([episode.id for episode in ready.prompts])
    # One unrecorded inspection pass first, so that a hook point that does not exist or never
    # fires stops the run before anything is generated or written.
    first = transcripts(ready.prompts[:1], None, "none", model.formatter)[0]
    inspect_transcript(model, first, plan, settings.strength, settings.attention_layers, source)
    pairs: list[Pair] | None = None
    if settings.reply != "none":
        pairs = generate_pairs(cfg, ready, settings.strength, output_dir)
    inspections, attention, entries = _inspect_all(ready, settings, source, pairs, output_dir)
    flags = flag_series(
        profile_series(inspections, settings.flag_layers, source.emotions), settings.z_threshold
    )
    summary = set_summary(inspections, attention)
    document = inspect_document(
        settings, plan, source, entries, summary, [flag.record() for flag in flags]
    )
    document.update(model=model_record(model), environment=environment())
    document["wall_time_s"] = round(time.time() - started, 2)
    write_json(output_dir / INSPECT_JSON, json_ready(document))
    metrics = headline_metrics(summary, plan.layers, len(flags))
    _log_summary(len(inspections), flags, metrics)
    return metrics
