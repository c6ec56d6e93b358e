"""Running TRUSTED code only: HumanEval's canonical solutions and our own reference solutions.

This is a plain subprocess with a timeout, a temporary working directory and an emptied
environment: no sandbox. Never pass it model-written code; that goes to `steer.sandbox`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TrustedCase", "TrustedResult", "run_trusted", "run_trusted_batch"]

_DONE = "__steer_trusted_program_finished__"

# Runs each case in a fresh globals dict: the code, then the tests (compiled as "<tests>" so a
# failure is located in the tests), with an alarm per case and output swallowed.
_BATCH_RUNNER = r"""
import builtins, contextlib, io, json, signal, sys, traceback

def _timeout(signum, frame):
    raise TimeoutError("case timed out")

signal.signal(signal.SIGALRM, _timeout)
with open(sys.argv[1], encoding="utf-8") as handle:
    cases = json.load(handle)
results = []
for case in cases:
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    error = line = message = None
    signal.setitimer(signal.ITIMER_REAL, case["timeout"])
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(case["code"], "<code>", "exec"), namespace)
            exec(compile(case["tests"], "<tests>", "exec"), namespace)
    except BaseException as exc:
        error, message = type(exc).__name__, str(exc)[:300]
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == "<tests>":
                line = lineno
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    results.append({"name": case["name"], "error": error, "line": line, "message": message})
with open(sys.argv[2], "w", encoding="utf-8") as handle:
    json.dump(results, handle)
"""


def _environment(home: str) -> dict[str, str]:
    return {"PATH": os.defpath, "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "HOME": home}


def run_trusted(program: str, timeout: float = 10.0) -> bool:
    """Whether a TRUSTED program runs to its end without an error, within `timeout` seconds.

    Only for trusted code (canonical solutions with their tests, our own reference
    solutions): it runs in a plain subprocess, not in a sandbox. A program that exits early,
    even with status 0, does not count: a marker printed after the program must be seen.
    """
    with tempfile.TemporaryDirectory(prefix="steer-trusted-") as tmp:
        path = Path(tmp) / "program.py"
        path.write_text(f"{program}\n\nprint({_DONE!r})\n", encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-I", str(path)],
                cwd=tmp,
                env=_environment(tmp),
                timeout=timeout,
                capture_output=True,
                text=True,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
    lines = done.stdout.strip().splitlines()
    return done.returncode == 0 and bool(lines) and lines[-1] == _DONE


@dataclass(frozen=True)
class TrustedCase:
    """Trusted code and the tests to run after it, in one namespace."""

    name: str
    code: str
    tests: str


@dataclass(frozen=True)
class TrustedResult:
    """`error`: the exception's type name (None: the tests passed); `tests_line`: the 1-based
    line of the tests where it was raised (innermost), if it was raised in the tests."""

    name: str
    error: str | None
    tests_line: int | None
    message: str | None

    @property
    def passed(self) -> bool:
        return self.error is None


def run_trusted_batch(
    cases: Sequence[TrustedCase],
    workers: int = 2,
    case_timeout: float = 10.0,
    timeout: float = 120.0,
) -> list[TrustedResult]:
    """Run many TRUSTED cases in `workers` subprocesses; each case gets fresh globals.

    Only for trusted code, like `run_trusted`. A case that takes longer than `case_timeout`
    fails with `TimeoutError`; a worker that does not finish within `timeout` raises
    `subprocess.TimeoutExpired`.
    """
    if not cases:
        return []
    chunks = [list(cases[i::workers]) for i in range(min(workers, len(cases)))]
    with tempfile.TemporaryDirectory(prefix="steer-trusted-") as tmp:
        processes = []
        for index, chunk in enumerate(chunks):
            path_in, path_out = Path(tmp) / f"cases{index}.json", Path(tmp) / f"results{index}.json"
            rows = [{**vars(c), "timeout": case_timeout} for c in chunk]
            path_in.write_text(json.dumps(rows), encoding="utf-8")
            command = [sys.executable, "-I", "-c", _BATCH_RUNNER, str(path_in), str(path_out)]
            processes.append(
                (
                    subprocess.Popen(
                        command,
                        cwd=tmp,
                        env=_environment(tmp),
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                    ),
                    path_out,
                )
            )
        by_name: dict[str, TrustedResult] = {}
        try:
            for process, path_out in processes:
                _, stderr = process.communicate(timeout=timeout)
                if process.returncode != 0:
                    raise RuntimeError(f"the trusted runner failed: {stderr.decode()[-2000:]}")
                for row in json.loads(path_out.read_text(encoding="utf-8")):
                    by_name[row["name"]] = TrustedResult(
                        row["name"], row["error"], row["line"], row["message"]
                    )
        finally:
            for process, _ in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    return [by_name[c.name] for c in cases]
