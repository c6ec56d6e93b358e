"""`steer`: the console script. Subcommands: run, reproduce, extract, inspect, ..."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from steer import __version__
from steer.errors import EXIT_USAGE, SteerError

USAGE = """usage: steer <command> [...]

commands:
  run [overrides]        generate with and without steering (Hydra overrides; -m for sweeps);
                         ends with a summary of the headline metrics (--quiet, -q: not)
  reproduce PATH         re-run a saved run (or every job of a sweep) and compare; --check for CI
  extract [overrides]    extract an emotion vector bank as in the paper, then validate it
  validate BANK_DIR      re-run the validation of a bank `steer extract` wrote
  read TEXT... | --file  emotion readouts of texts against a bank
  sandbox CODE TESTS     run a program against tests in the sandbox; print the verdict as JSON
  compare PATH           summarise a run or sweep against strength 0: summary.csv, plots, report
  inspect [overrides]    attention heatmaps, residual norms and readouts, baseline vs steered
  export [overrides]     a vector at one strength as a GGUF control vector (llama.cpp, repeng)
  calibrate [overrides]  the usable strengths of vectors: effect and damage over a strength grid

`steer run --help` lists the config groups; `steer run --cfg job` prints the composed config.
"""


def _hydra_command(command: str, config_name: str, argv: list[str]) -> int:
    from hydra._internal.utils import get_args_parser

    from steer.cli.config_errors import check_overrides
    from steer.cli.preflight import check_output_dir, sweep_file_kept
    from steer.cli.run_app import hydra_main

    parsed = get_args_parser().parse_args(argv)
    asks_hydra = parsed.help or parsed.hydra_help or parsed.info or parsed.shell_completion
    if not asks_hydra:
        check_overrides(parsed.overrides, config_name)
    if asks_hydra or parsed.cfg:
        hydra_main(command, argv)
        return 0
    check_output_dir(parsed.overrides, config_name, parsed.multirun)
    if parsed.multirun:
        with sweep_file_kept(parsed.overrides, config_name):
            hydra_main(command, argv)
    else:
        hydra_main(command, argv)
    return 0


QUIET = ("--quiet", "-q")
NO_SUMMARY = "~hydra.callbacks.summary"  # the callback conf/config.yaml adds


def _run(argv: list[str]) -> int:
    overrides = [arg for arg in argv if arg not in QUIET]
    if len(overrides) < len(argv):
        overrides.append(NO_SUMMARY)
    return _hydra_command("run", "config", overrides)


def _extract(argv: list[str]) -> int:
    return _hydra_command("extract", "extract", argv)


def _inspect(argv: list[str]) -> int:
    return _hydra_command("inspect", "inspect", argv)


def _export(argv: list[str]) -> int:
    return _hydra_command("export", "export", argv)


def _calibrate(argv: list[str]) -> int:
    return _hydra_command("calibrate", "calibrate", argv)


def _validate(argv: list[str]) -> int:
    from steer.jobs.extract import revalidate, summary_lines
    from steer.validation.report import ValidationSettings

    parser = argparse.ArgumentParser(prog="steer validate")
    parser.add_argument(
        "bank_dir", type=Path, help="a directory `steer extract` wrote, or its bank.safetensors"
    )
    parser.add_argument("--out", type=Path, help="where to write (default: BANK_DIR)")
    parser.add_argument("--test-fraction", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    settings = ValidationSettings(test_fraction=args.test_fraction, seed=args.seed)
    bank_dir = args.bank_dir.parent if args.bank_dir.is_file() else args.bank_dir
    out = args.out or bank_dir
    for line in summary_lines(revalidate(args.bank_dir, out, settings)):
        print(line)
    print(f"validation: {out / 'validation.json'}")
    return 0


def _sandbox(argv: list[str]) -> int:
    from steer.sandbox.cli import main as sandbox_main

    return sandbox_main(argv)


def _compare(argv: list[str]) -> int:
    from steer.compare.cli import main as compare_main

    return compare_main(argv)


def _read(argv: list[str]) -> int:
    from steer.cli.read import main as read_main

    return read_main(argv)


def _reproduce(argv: list[str]) -> int:
    from steer.cli.reproduce import main as reproduce_main

    return reproduce_main(argv)


COMMANDS = {
    "run": _run,
    "reproduce": _reproduce,
    "extract": _extract,
    "validate": _validate,
    "read": _read,
    "sandbox": _sandbox,
    "compare": _compare,
    "inspect": _inspect,
    "export": _export,
    "calibrate": _calibrate,
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        sys.exit(0 if args else EXIT_USAGE)
    if args[0] == "--version":
        print(f"steer {__version__}")
        sys.exit(0)
    command = COMMANDS.get(args[0])
    if command is None:
        print(
            f"error: unknown command {args[0]!r}; use one of: {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        sys.exit(EXIT_USAGE)
    try:
        sys.exit(command(args[1:]))
    except SteerError as error:
        print(error.one_line(), file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        print("interrupted; records written so far are kept", file=sys.stderr)
        sys.exit(130)
