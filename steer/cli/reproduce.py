"""`steer reproduce RUN_DIR`: re-run a saved run and compare its generations record by record."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from steer.errors import SteerError
from steer.runs.records import read_records
from steer.runs.runner import GENERATIONS, run
from steer.runs.schema import RunSchema

KEY_FIELDS = ("prompt_id", "vector", "layers", "strength", "seed")


def saved_config(run_dir: Path) -> DictConfig:
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        raise SteerError(f"{path} does not exist", "give the directory of a finished `steer run`")
    merged = OmegaConf.merge(OmegaConf.structured(RunSchema), OmegaConf.load(path))
    assert isinstance(merged, DictConfig)
    return merged


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(str(record.get(field)) for field in KEY_FIELDS)


def _describe(key: tuple[Any, ...]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(KEY_FIELDS, key, strict=True))


def _replies(record: dict[str, Any]) -> list[str]:
    """Every attempt's reply (older records hold only the final one)."""
    return [a["text"] for a in record.get("attempts", [])] or [record["text"]]


def differences(original: Path, again: Path, limit: int = 5) -> list[str]:
    first = {_key(r): r for r in read_records(original)}
    second = {_key(r): r for r in read_records(again)}
    found = []
    for key in sorted(set(first) | set(second)):
        a, b = first.get(key), second.get(key)
        if a is None or b is None:
            where = "reproduction" if a is None else "original"
            found.append(f"{_describe(key)}: only in the {where}")
        elif _replies(a) != _replies(b):
            first_diff = next(
                (x, y)
                for x, y in zip([*_replies(a), ""], [*_replies(b), ""], strict=False)
                if x != y
            )
            found.append(
                f"{_describe(key)}:\n  original:     {first_diff[0]!r}\n"
                f"  reproduction: {first_diff[1]!r}"
            )
        if len(found) >= limit:
            break
    return found


def reproduce(run_dir: Path, out: Path | None = None) -> tuple[Path, list[str], int]:
    """Re-run ``run_dir`` into a new directory; returns it, the first differences and the count."""
    cfg = saved_config(run_dir)
    original = run_dir / GENERATIONS
    if not original.is_file():
        raise SteerError(f"{original} does not exist", "give the directory of a finished run")
    stamp = dt.datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
    target = out or Path("results") / "reproductions" / stamp
    if (target / GENERATIONS).exists():
        raise SteerError(f"{target} already holds a run", "choose a new --out directory")
    overrides_file = run_dir / ".hydra" / "overrides.yaml"
    overrides: Any = OmegaConf.load(overrides_file) if overrides_file.is_file() else []
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
    run(cfg, target, [str(o) for o in overrides])
    count = sum(1 for _ in read_records(original))
    return target, differences(original, target / GENERATIONS), count
