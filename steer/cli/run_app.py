"""The thin Hydra entry of `steer run`: compose, then call :func:`steer.runs.runner.run`."""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from steer.cli.conf_dir import conf_dir
from steer.errors import EXIT_USAGE, SteerError
from steer.runs.runner import run
from steer.runs.schema import register_schemas


def _job(cfg: DictConfig) -> float | None:
    output_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        metrics = run(cfg, output_dir)
    except SteerError as error:
        print(error.one_line(), file=sys.stderr)
        sys.exit(EXIT_USAGE)
    print(f"results: {output_dir}")
    headline = [v for k, v in metrics.items() if k.startswith("delta_vader_compound@")]
    return headline[-1] if headline else None


def hydra_main(argv: list[str]) -> None:
    register_schemas()
    sys.argv = ["steer run", *argv]
    entry = hydra.main(config_path=str(conf_dir()), config_name="config", version_base="1.3")(_job)
    entry()
