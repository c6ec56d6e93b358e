"""`steer extract`: stories -> emotion vector bank -> validation, written to the run directory."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig, OmegaConf

from steer.choices import Site
from steer.config_values import refuse_non_finite
from steer.errors import SteerError
from steer.extraction.pipeline import Extraction, ExtractionSettings, extract
from steer.json_files import dumps, read_records, write_json
from steer.models.cache import cache_root
from steer.models.loaded import LoadedModel
from steer.output_dirs import check_writable, hold
from steer.runs.setup import build, plain, save_config
from steer.stimuli.emotions import MIN_EMOTIONS, resolve_emotions
from steer.stimuli.shipped import shipped_neutral
from steer.stimuli.story import Story
from steer.user_files import require_dir, require_file
from steer.validation.clusters import clusters_line
from steer.validation.cross_source import cross_source_line
from steer.validation.report import ValidationSettings, bank_readout, validate
from steer.vectors.vector_set import VectorSet

log = logging.getLogger(__name__)

BANK = "bank.safetensors"
STORIES = "stories.jsonl"
STORY_FIELDS = ("emotion", "topic", "narrator", "text", "source")
EXTRACT_FILES = (BANK, "bank.json", STORIES, "validation.json", "extract.log", ".hydra/config.yaml")


def published_bank(model_choice: str) -> Path:
    """Where `steer extract` publishes a model's bank: the default of `steer read` and
    ``vectors=bank``. Under the cache root, so it is found from any working directory."""
    return cache_root() / "banks" / model_choice / BANK


def extraction_settings(cfg: DictConfig) -> ExtractionSettings:
    return ExtractionSettings(
        start_token=int(cfg.vectors.start_token),
        denoise_fraction=float(cfg.vectors.denoise_fraction),
        site=Site(cfg.vectors.site),
        batch_size=int(cfg.vectors.batch_size),
        source_weights=tuple(
            (str(k), float(v))
            for k, v in cfg.vectors.get("source_weights", {}).items()
            if float(v) != 1.0
        ),
        within_components=int(cfg.vectors.get("within_components", 0)),
    )


def write_stories(stories: Sequence[Story], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for s in stories:
            row = {"emotion": s.emotion, "topic": s.topic, "narrator": s.narrator, "text": s.text}
            handle.write(dumps({**row, "source": s.source}) + "\n")


def read_stories(path: Path) -> list[Story]:
    """The stories an extraction wrote; a damaged line, or a last line cut short, is an error
    naming the file and line (the bank was built from every story)."""
    fix = "re-run `steer extract` into a new directory; steer changed nothing"
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        line = data.count(b"\n") + 1
        raise SteerError(f"{path} line {line} is cut short (the file is incomplete)", fix)
    rows = read_records(path, STORY_FIELDS, fix)
    return [Story(r["emotion"], r["topic"], r["text"], r["narrator"], r["source"]) for r in rows]


def model_for_bank(bank: VectorSet, bank_path: Path) -> LoadedModel:
    """Load the model a bank records in its provenance, and check the bank fits it."""
    model_config = bank.provenance.get("model_config")
    if not model_config:
        raise SteerError(f"{bank_path} does not say how to load its model", "re-extract it")
    model: LoadedModel = build(OmegaConf.create(model_config))
    bank.check_compatible(model)
    return model


def summary_lines(report: dict[str, Any]) -> list[str]:
    probe, pca = report["probe"]["at_default_layer"], report["pca"]
    return [
        f"held-out probe at layer {report['layer']}: top-1 {probe['top1']:.2f} "
        f"(chance {report['probe']['chance_top1']:.2f}), top-3 {probe['top3']:.2f} "
        f"(chance {report['probe']['chance_top3']:.2f})",
        f"PC1 explains {pca['variance_explained'][0]:.0%}; PC1-valence r = "
        f"{pca['pc1_valence']['r']} over {pca['pc1_valence']['n_words']} words; "
        f"PC2-arousal r = {pca['pc2_arousal']['r']} over {pca['pc2_arousal']['n_words']} words",
        *by_source_line(report["probe"]),
        clusters_line(report["clusters"]),
        *([cross_source_line(report["cross_source"])] if "cross_source" in report else []),
    ]


def by_source_line(probe: dict[str, Any]) -> list[str]:
    """The held-out probe per source of the test texts, when the stimuli mix sources."""
    sources = probe.get("by_source_at_readout_layer", {})
    if len(sources) < 2:
        return []
    parts = [
        f"{name} {r['top1']:.2f} / {r['top3']:.2f} (n {r['n']})" for name, r in sources.items()
    ]
    return ["held-out probe at the readout layer by source (top-1 / top-3): " + ", ".join(parts)]


def run_extract(
    cfg: DictConfig, output_dir: Path, overrides: Sequence[str], model_choice: str
) -> dict[str, float]:
    refuse_non_finite(cfg)
    emotions = resolve_emotions(plain(cfg.vectors.emotions), MIN_EMOTIONS)
    check_writable(output_dir, "hydra.run.dir", EXTRACT_FILES)
    with hold(output_dir, "hydra.run.dir"):
        return _extract_held(cfg, output_dir, overrides, model_choice, emotions)


def _extract_held(
    cfg: DictConfig,
    output_dir: Path,
    overrides: Sequence[str],
    model_choice: str,
    emotions: list[str],
) -> dict[str, float]:
    settings = extraction_settings(cfg)
    stimuli = build(cfg.stimuli)
    model: LoadedModel = build(cfg.model)
    save_config(cfg, overrides, output_dir)
    stories = stimuli.stories(model, emotions)
    neutral = stimuli.neutral(model)
    model_config = OmegaConf.to_container(cfg.model, resolve=True)
    extraction = extract(
        model,
        stories,
        neutral,
        emotions,
        settings,
        stimuli.name,
        model_config,  # type: ignore[arg-type]
    )
    bank_path = output_dir / BANK
    extraction.bank.save(bank_path)
    write_stories(stories, output_dir / STORIES)
    report = validate(model, extraction, output_dir, validation_settings(cfg))
    # `steer read` reads at the layer validation chose and tells how far to trust it
    extraction.bank.provenance["readout"] = bank_readout(report)
    extraction.bank.save(bank_path)
    for line in summary_lines(report):
        log.info(line)
        print(line)
    if cfg.publish:
        target = published_bank(model_choice)
        target.parent.mkdir(parents=True, exist_ok=True)
        for source in (bank_path, bank_path.with_suffix(".json")):
            shutil.copy(source, target.parent / source.name)
        print(f"bank published to {target} (vectors=bank and `steer read` use it)")
    return metrics_of(report)


def validation_settings(cfg: DictConfig) -> ValidationSettings:
    return ValidationSettings(
        test_fraction=float(cfg.validation.test_fraction),
        seed=int(cfg.validation.seed),
        top_k_tokens=int(cfg.validation.top_k_tokens),
        clusters=None if cfg.validation.get("clusters") is None else int(cfg.validation.clusters),
    )


def metrics_of(report: dict[str, Any]) -> dict[str, float]:
    probe = report["probe"]["at_default_layer"]
    metrics = {"probe_top1": probe["top1"], "probe_top3": probe["top3"]}
    cross = report.get("cross_source", {}).get("accuracy", {}).get("test")
    if cross is not None:
        metrics |= {"cross_source_top1": cross["top1"], "cross_source_top3": cross["top3"]}
    for key in ("pc1_valence", "pc2_arousal"):
        if report["pca"][key]["r"] is not None:
            metrics[f"{key}_r"] = report["pca"][key]["r"]
    return metrics


def revalidate(bank_dir: Path, out: Path | None, settings: ValidationSettings) -> dict[str, Any]:
    """`steer validate`: rebuild the extraction of a saved bank (from caches) and validate it.
    ``bank_dir`` is the directory `steer extract` wrote, or the bank file in it; ``out`` is
    where the report goes (None: that directory)."""
    if bank_dir.is_file() and bank_dir.suffix == ".safetensors":
        bank_dir = bank_dir.parent
    fix = "give the directory `steer extract` wrote (bank.safetensors and stories.jsonl)"
    require_dir(bank_dir, "bank directory", fix)
    bank = VectorSet.load(bank_dir / BANK, "BANK_DIR")
    require_file(bank_dir / STORIES, "story file", fix)
    stories = read_stories(bank_dir / STORIES)  # a damaged file stops before the model loads
    out = bank_dir if out is None else out
    check_writable(out, "--out", files=("validation.json", "validated_bank.json"))
    model = model_for_bank(bank, bank_dir / BANK)
    denoising = bank.provenance["denoising"]
    settings_used = ExtractionSettings(
        start_token=int(bank.provenance["start_token"]),
        denoise_fraction=float(denoising["variance_fraction"]),
        site=bank.site,
        source_weights=tuple(bank.provenance["stimuli"].get("source_weights", {}).items()),
        within_components=int(denoising.get("within_emotion_components", 0)),
    )
    extraction: Extraction = extract(
        model,
        stories,
        # Only the shipped neutral set can be rebuilt from a bank alone.
        shipped_neutral(),
        bank.names,
        settings_used,
        bank.provenance["stimuli"]["name"],
        bank.provenance["model_config"],
    )
    if not torch.allclose(extraction.bank.vectors, bank.vectors, atol=1e-4, rtol=1e-3):
        raise SteerError(
            f"the vectors rebuilt from {bank_dir} differ from the saved bank "
            "(other neutral texts, changed stories or stale caches)",
            "re-run `steer extract` with the settings in bank.json",
        )
    extraction.bank = bank  # report on the saved bank itself
    out.mkdir(parents=True, exist_ok=True)
    report = validate(model, extraction, out, settings)
    write_json(out / "validated_bank.json", {"bank": str(bank_dir / BANK)})
    return report
