"""`steer reproduce PATH [--out DIR] [--check]`: re-run a saved run, or every job of a sweep,
from its saved config and compare the generations record by record.

Exit 0 when everything matches, 1 when something differs. ``--check`` (what CI runs) also
compares every metric in metrics.json and, without ``--out``, re-runs into a temporary directory
that is removed afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from steer.cli.schema import RunSchema, register_schemas
from steer.errors import SteerError
from steer.jobs.run import run
from steer.run_records import GENERATIONS, METRICS, read_run_records
from steer.runs.provenance import version_changes
from steer.user_files import require_dir

KEY_FIELDS = ("prompt_id", "vector", "layers", "strength", "seed")
MULTIRUN = "multirun.yaml"


def saved_config(run_dir: Path) -> DictConfig:
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        raise SteerError(f"{path} does not exist", "give the directory of a finished `steer run`")
    register_schemas()  # the saved config may name ${steer_cache:} (vectors=bank, readouts=bank)
    merged = OmegaConf.merge(OmegaConf.structured(RunSchema), OmegaConf.load(path))
    assert isinstance(merged, DictConfig)
    return merged


def job_dirs(path: Path) -> list[Path]:
    """The run itself, or the jobs of a sweep (numbered subdirectories holding a saved config)."""
    require_dir(path, "run or sweep directory", "give a directory written by `steer run`")
    if (path / ".hydra" / "config.yaml").is_file():
        return [path]
    jobs = sorted(
        (
            p
            for p in path.iterdir()
            if p.name.isdigit() and (p / ".hydra" / "config.yaml").is_file()
        ),
        key=lambda p: int(p.name),
    )
    if not jobs and not failed_jobs(path):
        raise SteerError(
            f"{path} holds neither a run nor sweep jobs",
            "give a run directory (results/runs/...) or a sweep directory (results/sweeps/...)",
        )
    return jobs


def expected_jobs(sweep: Path) -> int | None:
    """How many jobs the sweep's ``multirun.yaml`` launches (the product of its sweeps)."""
    saved = sweep / MULTIRUN
    if not saved.is_file():
        return None
    try:
        overrides = OmegaConf.select(OmegaConf.load(saved), "hydra.overrides.task") or []
        parsed = OverridesParser.create().parse_overrides([str(o) for o in overrides])
    except Exception:  # an unreadable multirun.yaml only means the count is unknown
        return None
    count = 1
    for override in parsed:
        if override.is_sweep_override():
            count *= len(list(override.sweep_string_iterator()))
    return count


def failed_jobs(sweep: Path) -> list[str]:
    """The jobs of a sweep that never saved a config: each failed before running, or never
    started because the sweep stopped at an earlier failure."""
    if (sweep / ".hydra" / "config.yaml").is_file():
        return []
    numbered = {p.name for p in sweep.iterdir() if p.is_dir() and p.name.isdigit()}
    found = [
        f"job {name} failed before running (no saved config; see {sweep / name / 'run.log'})"
        for name in sorted(numbered, key=int)
        if not (sweep / name / ".hydra" / "config.yaml").is_file()
    ]
    expected = expected_jobs(sweep)
    never = [str(n) for n in range(expected or 0) if str(n) not in numbered]
    if never:
        found.append(
            f"job(s) {', '.join(never)} of {expected} never started (the sweep stopped early)"
        )
    return found


def _key(record: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(str(record.get(field)) for field in KEY_FIELDS)


def _describe(key: tuple[Any, ...]) -> str:
    return ", ".join(f"{name}={value}" for name, value in zip(KEY_FIELDS, key, strict=True))


def _replies(record: dict[str, Any]) -> list[str]:
    """Every attempt's reply, then the final one."""
    return [*(a["text"] for a in record.get("attempts", [])), record["text"]]


def differences(original: Path, again: Path, limit: int = 5) -> list[str]:
    first = {_key(r): r for r in read_run_records(original)}
    second = {_key(r): r for r in read_run_records(again)}
    found = []
    for key in sorted(set(first) | set(second)):
        a, b = first.get(key), second.get(key)
        if a is None or b is None:
            where = "reproduction" if a is None else "original"
            found.append(f"{_describe(key)}: only in the {where}")
        elif _replies(a) != _replies(b):
            x, y = next(
                (x, y)
                for x, y in zip([*_replies(a), ""], [*_replies(b), ""], strict=False)
                if x != y
            )
            found.append(f"{_describe(key)}:\n  original:     {x!r}\n  reproduction: {y!r}")
        if len(found) >= limit:
            break
    return found


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def metric_differences(original: Path, again: Path, limit: int = 5) -> list[str]:
    """Metrics in metrics.json that differ (numbers beyond 1e-9, or present on one side only)."""
    if not original.is_file():
        return [f"{original} is missing (the original run did not finish)"]
    a = _flat(json.loads(original.read_text()))
    b = _flat(json.loads(again.read_text()))
    found = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        same = (
            math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(x) and math.isnan(y))
            if isinstance(x, float | int) and isinstance(y, float | int)
            else x == y
        )
        if not same:
            found.append(f"metric {key}: original {x!r}, reproduction {y!r}")
        if len(found) >= limit:
            break
    return found


@dataclass
class Reproduction:
    job: Path
    target: Path
    count: int
    found: list[str]
    version_changes: list[str]


def reproduce(run_dir: Path, out: Path | None = None, check_metrics: bool = False) -> Reproduction:
    """Re-run ``run_dir`` into ``out`` and compare."""
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
    changes = version_changes(run_dir / "run.json")
    for line in changes:
        print(f"version differs: {line} ({run_dir})", flush=True)
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(message)s")
    run(cfg, target, [str(o) for o in overrides])
    count = sum(1 for _ in read_run_records(original))
    found = differences(original, target / GENERATIONS)
    if check_metrics:
        found += metric_differences(run_dir / METRICS, target / METRICS)
    return Reproduction(run_dir, target, count, found, changes)


def reproduce_all(path: Path, out: Path | None, check: bool) -> list[Reproduction]:
    jobs = job_dirs(path)
    single = len(jobs) == 1 and jobs[0] == path
    results = []
    with tempfile.TemporaryDirectory(prefix="steer-reproduce-") as scratch:
        base = out or (Path(scratch) if check else None)
        for job in jobs:
            target = None
            if base is not None:
                target = base if single else base / job.name
            elif not single:
                stamp = dt.datetime.now().strftime("%Y-%m-%d/%H-%M-%S")
                target = Path("results") / "reproductions" / stamp / job.name
            results.append(reproduce(job, target, check_metrics=check))
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="steer reproduce", description=__doc__)
    parser.add_argument("path", type=Path, help="a run directory or a sweep directory")
    parser.add_argument("--out", type=Path, default=None, help="where to write the re-run(s)")
    parser.add_argument(
        "--check", action="store_true", help="also compare metrics; re-run into a temporary dir"
    )
    args = parser.parse_args(argv)
    failed = failed_jobs(require_sweep_or_run(args.path))
    results = reproduce_all(args.path, args.out, args.check)
    differing = [r for r in results if r.found]
    for result in results:
        where = "" if args.check and args.out is None else f" ({result.target})"
        if result.found:
            print(f"different: {result.job}: the re-run{where} differs; first differences:")
            for line in result.found:
                print(f"- {line}")
        else:
            print(f"identical: all {result.count} generations match: {result.job}{where}")
    for line in failed:
        print(f"failed: {line}")
    if len(results) > 1 or failed:
        verdict = "identical" if not differing else f"{len(differing)} of {len(results)} differ"
        if failed:
            verdict += f"; {len(failed)} failed (above): the original sweep is incomplete"
        print(f"{len(results)} jobs: {verdict}")
    if args.check:
        changes = sorted({line for result in results for line in result.version_changes})
        if changes:
            print(f"under other package versions than saved: {'; '.join(changes)}")
    return 1 if differing or failed else 0


def require_sweep_or_run(path: Path) -> Path:
    require_dir(path, "run or sweep directory", "give a directory written by `steer run`")
    return path
