"""Thin Hydra entries: compose the config, then call a plain function returning metrics."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from steer.cli.conf_dir import conf_dir
from steer.errors import EXIT_USAGE, SteerError
from steer.runs.schema import register_schemas

Job = Callable[[DictConfig, Path, list[str], dict[str, str]], dict[str, float]]


def _entry(job: Job, headline: str) -> Callable[[DictConfig], float | None]:
    def task(cfg: DictConfig) -> float | None:
        hydra_config = HydraConfig.get()
        output_dir = Path(hydra_config.runtime.output_dir)
        choices = {str(k): str(v) for k, v in hydra_config.runtime.choices.items()}
        try:
            metrics = job(cfg, output_dir, list(hydra_config.overrides.task), choices)
        except SteerError as error:
            print(error.one_line(), file=sys.stderr)
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


def hydra_main(command: str, argv: list[str]) -> None:
    config_name, job, headline = APPS[command]
    register_schemas()
    sys.argv = [f"steer {command}", *argv]
    entry = hydra.main(config_path=str(conf_dir()), config_name=config_name, version_base="1.3")
    entry(_entry(job, headline))()
