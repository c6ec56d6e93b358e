"""Thin Hydra entries: compose the config, then call a plain function returning metrics."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from steer.cli.conf_dir import conf_dir
from steer.errors import EXIT_USAGE, SteerError
from steer.runs.schema import register_schemas

Job = Callable[[DictConfig, Path, list[str], dict[str, str]], dict[str, float]]

MODEL_CHOICE = "${model_choice:}"


def fix_model_choice(cfg: DictConfig, model: str) -> None:
    """Write the chosen model's name where the config says ``${model_choice:}`` (the bank
    paths of vectors=bank and readouts=bank), so the saved config names it outside Hydra."""
    for group, key in (("vectors", "path"), ("readouts", "bank")):
        node = cfg.get(group)
        if node is None or key not in node:
            continue
        raw = OmegaConf.to_container(node, resolve=False)
        value = raw.get(key) if isinstance(raw, dict) else None
        if isinstance(value, str) and MODEL_CHOICE in value:
            node[key] = value.replace(MODEL_CHOICE, model)


def _log_to_files(message: str) -> None:
    """Write a refusal into the job's log file too (not the console, which has it already), so
    a failed sweep job's run.log says why it failed."""
    record = logging.LogRecord("steer", logging.ERROR, __file__, 0, message, None, None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def _entry(job: Job, headline: str) -> Callable[[DictConfig], float | None]:
    def task(cfg: DictConfig) -> float | None:
        hydra_config = HydraConfig.get()
        output_dir = Path(hydra_config.runtime.output_dir)
        choices = {str(k): str(v) for k, v in hydra_config.runtime.choices.items()}
        fix_model_choice(cfg, choices.get("model", "model"))
        try:
            metrics = job(cfg, output_dir, list(hydra_config.overrides.task), choices)
        except SteerError as error:
            print(error.one_line(), file=sys.stderr)
            _log_to_files(error.one_line())
            sys.exit(EXIT_USAGE)
        print(f"results: {output_dir}")
        values = [v for k, v in metrics.items() if k.startswith(headline)]
        return values[-1] if values else None

    return task


def _run_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.runs.runner import run

    return run(cfg, out, overrides)


def _extract_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.extraction.runner import run_extract

    return run_extract(cfg, out, overrides, choices.get("model", "model"))


def _inspect_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.inspect.runner import run_inspect

    return run_inspect(cfg, out, overrides)


def _export_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.interop.export_runner import run_export

    return run_export(cfg, out, overrides)


def _calibrate_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.calibration.runner import run_calibrate

    return run_calibrate(cfg, out, overrides)


APPS: dict[str, tuple[str, Job, str]] = {
    "run": ("config", _run_job, "delta_vader_compound@"),
    "extract": ("extract", _extract_job, "probe_top3"),
    "inspect": ("inspect", _inspect_job, "flags"),
    "export": ("export", _export_job, "strength"),
    "calibrate": ("calibrate", _calibrate_job, "bound_positive"),
}


def _quiet_launcher_schema_warning() -> None:
    """conf/hydra/launcher/ray.yaml has the name of the plugin's own schema (so users type
    ``hydra/launcher=ray``), which Hydra validates it against, warning on every compose that
    this matching is deprecated. The file fits the schema, so the check is harmless."""
    warnings.filterwarnings(
        "ignore", message=r"\s*'hydra/launcher/ray' is validated against ConfigStore schema"
    )


def hydra_main(command: str, argv: list[str]) -> None:
    config_name, job, headline = APPS[command]
    register_schemas()
    _quiet_launcher_schema_warning()
    sys.argv = [f"steer {command}", *argv]
    entry = hydra.main(config_path=str(conf_dir()), config_name=config_name, version_base="1.3")
    entry(_entry(job, headline))()
