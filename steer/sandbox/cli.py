"""``steer sandbox CODE_FILE TESTS_FILE``: run one program against a test file exactly as the
tasks do and print the verdict as JSON. Exit 0 whatever the verdict; bad input raises
SteerError (the console script prints it as one line and exits 2)."""

from __future__ import annotations

import argparse
from pathlib import Path

from steer.sandbox.isolation import ISOLATION_MODES
from steer.sandbox.limits import SandboxLimits, check_limit
from steer.sandbox.runner import run_tests
from steer.user_files import read_text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="steer sandbox",
        description="Run CODE_FILE then TESTS_FILE in the sandbox; print the verdict as JSON.",
    )
    parser.add_argument("code_file", type=Path, help="the program (e.g. a model's reply's code)")
    parser.add_argument("tests_file", type=Path, help="plain asserts or HumanEval check()")
    parser.add_argument("--isolation", choices=ISOLATION_MODES, default="bwrap")
    parser.add_argument("--entry-point", help="the function HumanEval's check(candidate) gets")
    defaults = SandboxLimits()
    parser.add_argument("--timeout", type=float, default=defaults.wall_s, help="wall-clock s")
    parser.add_argument("--cpu", type=float, default=defaults.cpu_s, help="CPU seconds")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb)
    return parser


def _read(path: Path, what: str) -> str:
    return read_text(path, what, f"pass the path of a {what} (UTF-8 text)")


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    code = _read(args.code_file, "code file")
    tests = _read(args.tests_file, "tests file")
    for name, value, option in (
        ("wall_s", args.timeout, "--timeout"),
        ("cpu_s", args.cpu, "--cpu"),
        ("memory_mb", args.memory_mb, "--memory-mb"),
    ):
        check_limit(name, value, option)
    limits = SandboxLimits(wall_s=args.timeout, cpu_s=args.cpu, memory_mb=args.memory_mb)
    verdict = run_tests(code, tests, limits, args.isolation, entry_point=args.entry_point)
    print(verdict.to_json())
    return 0
