"""Checks of a Hydra command's output directory before Hydra starts.

Hydra opens the job's log file in the output directory before any steer code runs, so an
output directory that is a file or cannot be written would otherwise end in a traceback from
Hydra's logging setup. A relaunched sweep that is refused must leave the sweep directory as it
was, but Hydra rewrites ``multirun.yaml`` before the first job starts: ``sweep_file_kept``
puts the old bytes back unless the sweep finishes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from steer.cli.conf_dir import conf_dir
from steer.cli.config_errors import CONFIG_ERRORS, sweep_variants
from steer.cli.schema import register_schemas
from steer.output_dirs import check_writable

MULTIRUN_FILE = "multirun.yaml"
LOG_FILES = ("run.log", "extract.log", MULTIRUN_FILE)


def planned_output_dir(
    overrides: Sequence[str], config_name: str, multirun: bool
) -> tuple[Path, str] | None:
    """Where Hydra will write (the run directory, or the sweep directory with ``-m``) and the
    key that sets it; None when it cannot be told in advance."""
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    register_schemas()
    GlobalHydra.instance().clear()
    try:
        base = sweep_variants(list(overrides))[0]
        with initialize_config_dir(str(conf_dir()), version_base="1.3"):
            cfg = compose(config_name, overrides=base, return_hydra_config=True)
            value = OmegaConf.select(cfg, key)
    except CONFIG_ERRORS:
        return None
    finally:
        GlobalHydra.instance().clear()
    return (Path(str(value)), key) if value else None


def check_output_dir(overrides: Sequence[str], config_name: str, multirun: bool) -> None:
    """A SteerError when the output directory (or its nearest existing parent) cannot be
    written; nothing is created."""
    planned = planned_output_dir(overrides, config_name, multirun)
    if planned is not None:
        path, key = planned
        check_writable(path, key, LOG_FILES, create=False)


@contextmanager
def sweep_file_kept(overrides: Sequence[str], config_name: str) -> Iterator[None]:
    """Restore the sweep directory's ``multirun.yaml`` unless the body finishes without error
    (a refused or failed relaunch changes no byte of it)."""
    planned = planned_output_dir(overrides, config_name, multirun=True)
    path = planned[0] / MULTIRUN_FILE if planned else None
    saved = path.read_bytes() if path is not None and path.is_file() else None
    finished = False
    try:
        yield
        finished = True
    except SystemExit as stop:
        finished = stop.code in (0, None)
        raise
    finally:
        if not finished and path is not None and saved is not None:
            _restore(path, saved)


def _restore(path: Path, saved: bytes) -> None:
    if not path.is_file() or path.read_bytes() != saved:
        path.write_bytes(saved)
