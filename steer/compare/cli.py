"""``steer compare PATH``: summarise a run or a sweep against strength 0.

Writes into PATH: ``summary.csv``, ``compare/dose_<metric>.png`` (with 3 or more run / vector /
layers lines also ``compare/grid_<metric>.png``; for multi-attempt runs with readouts
``compare/readouts_<run>.png``, ``compare/monitoring_<run>.png`` and ``monitoring.json``; for
readout-triggered runs ``compare/trigger_<run>.png``) and ``report.html``; prints short tables
and the paths written. Bad input raises SteerError (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from steer.errors import SteerError

if TYPE_CHECKING:
    from steer.compare.load import Run

SUMMARY = "summary.csv"
REPORT = "report.html"
MAX_PROMPTS = 50


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steer compare",
        description="Summarise a run or a sweep against strength 0: summary.csv, plots, "
        "report.html (written into PATH).",
    )
    parser.add_argument("path", type=Path, help="a run directory or a sweep directory")
    parser.add_argument(
        "--max-prompts",
        type=int,
        default=MAX_PROMPTS,
        help=f"prompts per run shown side by side in the report (default {MAX_PROMPTS})",
    )
    return parser


def compare(root: Path, max_prompts: int) -> int:
    # Imported here so that --help and bad paths answer before pandas and matplotlib load.
    from steer.compare.grids import grid_plots
    from steer.compare.headline import declared, headline_metrics
    from steer.compare.load import load_runs, metric_frame
    from steer.compare.monitoring import (
        MONITORING,
        monitor_runs,
        monitoring_table,
        write_monitoring,
    )
    from steer.compare.plots import dose_plots, readout_plots
    from steer.compare.report import COMPARE_DIR, render, write_report
    from steer.compare.summary import summarize, terminal_table, varying_metrics, write_summary
    from steer.compare.trigger import trigger_table, triggered_runs

    runs = load_runs(root)
    warnings = incomplete_warnings(runs)
    for line in warnings:
        print(line, file=sys.stderr)
    empty = [run.name for run in runs if not run.records]
    if len(empty) == len(runs):
        raise SteerError(
            f"no complete record in any generations file under {root}",
            "wait until the run has written some generations, or pass another directory",
        )
    frame = metric_frame(runs)
    summary = summarize(frame)
    varying = varying_metrics(frame)
    declaration = declared(runs)
    headline = headline_metrics(declaration, list(dict.fromkeys(frame["metric"])))
    order = [*headline, *declaration.names]
    figures = root / COMPARE_DIR
    dose = dose_plots(summary, varying, figures, headline=headline, order=order)
    grids = grid_plots(summary, varying, figures, order=order)
    readouts = readout_plots(runs, figures)
    monitored = monitor_runs(runs, figures)
    triggered = triggered_runs(runs, figures)
    page = render(
        root, runs, summary, dose, readouts, max_prompts,
        grids=grids, monitored=monitored, headline=headline, triggered=triggered,
    )  # fmt: skip
    written = [write_summary(summary, root / SUMMARY), *dose.values(), *grids]
    written += readouts.values()
    if monitored:
        written.append(write_monitoring(monitored, root / MONITORING))
        written += [item.figure for item in monitored]
    written += [item.figure for item in triggered]
    written.append(write_report(root / REPORT, page))
    print(terminal_table(summary, varying, headline, order))
    if monitored:
        print("\n" + monitoring_table(monitored))
    if triggered:
        print("\n" + trigger_table(triggered))
    if empty:
        print(f"no complete records yet in: {', '.join(empty)}")
    for line in warnings:
        print(line)
    print(f"\n{len(runs)} run(s) compared; wrote:")
    for path in written:
        print(f"  {path}")
    return 0


def incomplete_warnings(runs: Sequence[Run]) -> list[str]:
    """One line per run that has not finished: its figures cover only what it wrote so far."""
    return [
        f"warning: run {run.label} is incomplete: {'; '.join(run.incomplete)}; its "
        f"{len(run.records)} records give partial statistics"
        for run in runs
        if run.incomplete
    ]


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.path.expanduser()
    if not root.exists():
        raise SteerError(f"{root} does not exist", "pass a run directory or a sweep directory")
    if not root.is_dir():
        raise SteerError(f"{root} is not a directory", "pass a run directory or a sweep directory")
    if args.max_prompts < 0:
        raise SteerError("--max-prompts must not be negative", "pass 0 or more")
    return compare(root, args.max_prompts)
