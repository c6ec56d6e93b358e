"""`steer`: the console script. Subcommands: run, reproduce."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from steer import __version__
from steer.errors import EXIT_USAGE, SteerError

USAGE = """usage: steer <command> [...]

commands:
  run [overrides]        generate with and without steering (Hydra overrides; -m for sweeps)
  reproduce RUN_DIR      re-run a saved run and check the generations are identical

`steer run --help` lists the config groups; `steer run --cfg job` prints the composed config.
"""


def _run(argv: list[str]) -> int:
    from steer.cli.config_errors import check_overrides
    from steer.cli.run_app import hydra_main

    if not any(a in ("--help", "-h", "--hydra-help", "--info") for a in argv):
        flags = {"-m", "--multirun"}
        check_overrides([a for a in argv if a not in flags and not a.startswith("-")])
    hydra_main(argv)
    return 0


def _reproduce(argv: list[str]) -> int:
    from steer.cli.reproduce import reproduce

    parser = argparse.ArgumentParser(prog="steer reproduce", description=__doc__)
    parser.add_argument("run_dir", type=Path, help="a directory written by `steer run`")
    parser.add_argument("--out", type=Path, default=None, help="where to write the re-run")
    args = parser.parse_args(argv)
    target, found, count = reproduce(args.run_dir, args.out)
    if found:
        print(f"different: the re-run in {target} differs from {args.run_dir}; first differences:")
        for line in found:
            print(f"- {line}")
        return 1
    print(f"identical: all {count} generations match ({target})")
    return 0


COMMANDS = {"run": _run, "reproduce": _reproduce}


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
