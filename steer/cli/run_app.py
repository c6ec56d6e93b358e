"""Thin Hydra entries: compose the config, then call a plain function returning metrics.

What an entry returns to Hydra (the value a sweeper optimises) is one of those metrics: for
``steer run`` the change against strength 0, at the last strength, of the metric the run's task
declares for sweeps (``TaskMetrics.returned``: its ``optimized`` metric, else its first headline
metric the run has): ``delta_cheated@+0.1`` for ``task=impossible_code``,
``delta_vader_compound@+0.1`` for ``task=prompts``.
"""

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
from steer.cli.schema import register_schemas
from steer.errors import EXIT_USAGE, SteerError

Job = Callable[[DictConfig, Path, list[str], dict[str, str]], dict[str, float]]
# The prefixes of the returned metric, most wanted first (the first a job's metrics hold wins).
Returned = Callable[[DictConfig], list[str]]

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


def _new_log_files() -> list[logging.FileHandler]:
    """The job's log files that held nothing when the job started: a refused relaunch into a
    finished run must leave its run.log, like every other file there, byte for byte."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)]
    return [
        h
        for h in handlers
        if not Path(h.baseFilename).is_file() or not Path(h.baseFilename).stat().st_size
    ]


def _log_to_files(handlers: list[logging.FileHandler], message: str) -> None:
    """Write a refusal into a new job's log file too (not the console, which has it already),
    so a failed sweep job's run.log says why it failed."""
    record = logging.LogRecord("steer", logging.ERROR, __file__, 0, message, None, None)
    for handler in handlers:
        handler.handle(record)


def returned_value(metrics: dict[str, float], prefixes: list[str]) -> float | None:
    """The last metric named by the first of ``prefixes`` that names any (flat metrics are
    in strength order, so the last is the largest strength's); None if none does."""
    for prefix in prefixes:
        values = [v for k, v in metrics.items() if k.startswith(prefix)]
        if values:
            return values[-1]
    return None


def run_headline(cfg: DictConfig) -> list[str]:
    """``delta_<metric>@`` for each metric the run's task class declares for sweeps."""
    from steer.tasks.declarations import by_target

    declared = by_target(str(OmegaConf.select(cfg, "task._target_", default="")))
    return [f"delta_{name}@" for name in (declared.returned if declared else ())]


def _fixed(prefix: str) -> Returned:
    return lambda cfg: [prefix]


def _entry(job: Job, returned: Returned) -> Callable[[DictConfig], float | None]:
    def task(cfg: DictConfig) -> float | None:
        hydra_config = HydraConfig.get()
        output_dir = Path(hydra_config.runtime.output_dir)
        choices = {str(k): str(v) for k, v in hydra_config.runtime.choices.items()}
        fix_model_choice(cfg, choices.get("model", "model"))
        new_logs = _new_log_files()
        try:
            metrics = job(cfg, output_dir, list(hydra_config.overrides.task), choices)
        except SteerError as error:
            print(error.one_line(), file=sys.stderr)
            _log_to_files(new_logs, error.one_line())
            sys.exit(EXIT_USAGE)
        print(f"results: {output_dir}")
        return returned_value(metrics, returned(cfg))

    return task


def _run_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.jobs.run import run

    return run(cfg, out, overrides)


def _extract_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.jobs.extract import run_extract

    return run_extract(cfg, out, overrides, choices.get("model", "model"))


def _inspect_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.jobs.inspect import run_inspect

    return run_inspect(cfg, out, overrides)


def _export_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.jobs.export import run_export

    return run_export(cfg, out, overrides)


def _calibrate_job(
    cfg: DictConfig, out: Path, overrides: list[str], choices: dict[str, str]
) -> dict[str, float]:
    from steer.jobs.calibrate import run_calibrate

    return run_calibrate(cfg, out, overrides)


APPS: dict[str, tuple[str, Job, Returned]] = {
    "run": ("config", _run_job, run_headline),
    "extract": ("extract", _extract_job, _fixed("probe_top3")),
    "inspect": ("inspect", _inspect_job, _fixed("flags")),
    "export": ("export", _export_job, _fixed("strength")),
    "calibrate": ("calibrate", _calibrate_job, _fixed("bound_positive")),
}


def _quiet_launcher_schema_warning() -> None:
    """conf/hydra/launcher/ray.yaml has the name of the plugin's own schema (so users type
    ``hydra/launcher=ray``), which Hydra validates it against, warning on every compose that
    this matching is deprecated. The file fits the schema, so the check is harmless."""
    warnings.filterwarnings(
        "ignore", message=r"\s*'hydra/launcher/ray' is validated against ConfigStore schema"
    )


def hydra_main(command: str, argv: list[str]) -> None:
    config_name, job, returned = APPS[command]
    register_schemas()
    _quiet_launcher_schema_warning()
    sys.argv = [f"steer {command}", *argv]
    entry = hydra.main(config_path=str(conf_dir()), config_name=config_name, version_base="1.3")
    entry(_entry(job, returned))()
