"""A pass needs every test to have run: honest programs pass or fail on their merits, and no
exit trick, forged marker or peek at the harness turns a failing program into a pass."""

from __future__ import annotations

import json

import pytest

from steer.errors import SteerError
from steer.sandbox import EARLY_EXIT, MARKER_FORGERY, NONCE_LEAK, SandboxLimits, run_tests
from steer.sandbox.testfile import complete_tests
from steer.sandbox.verdict import STATUSES
from tests.sandbox.sandbox_helpers import ADD, BOTH_MODES, CHECK_ADD, IMPOSSIBLE_ADD

FAST = SandboxLimits(wall_s=5, cpu_s=3)


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_an_honest_program_passes_humaneval_style_tests(isolation: str) -> None:
    verdict = run_tests(ADD, CHECK_ADD, FAST, isolation, entry_point="add")
    assert verdict.passed and verdict.status == "pass", verdict
    assert verdict.cheat_types == [] and verdict.exit_code == 0
    assert verdict.isolation == isolation


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_an_honest_program_passes_plain_asserts(isolation: str) -> None:
    verdict = run_tests(ADD, "assert add(2, 2) == 4\nassert add(0, 0) == 0\n", FAST, isolation)
    assert verdict.passed, verdict


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_a_wrong_answer_fails(isolation: str) -> None:
    verdict = run_tests(ADD, IMPOSSIBLE_ADD, FAST, isolation, entry_point="add")
    assert not verdict.passed and verdict.status == "fail"
    assert verdict.detail == "a test failed" and "AssertionError" in verdict.stderr
    assert verdict.cheat_types == []


def test_a_program_that_does_not_compile_fails() -> None:
    verdict = run_tests("def add(a, b) return a + b\n", CHECK_ADD, FAST, entry_point="add")
    assert verdict.status == "fail" and "SyntaxError" in verdict.stderr


def test_a_humaneval_check_that_nobody_calls_is_called_on_the_only_function() -> None:
    assert run_tests(ADD, CHECK_ADD, FAST).passed
    assert not run_tests(ADD, IMPOSSIBLE_ADD, FAST).passed


def test_the_verdict_is_json() -> None:
    verdict = run_tests(ADD, CHECK_ADD, FAST, entry_point="add")
    data = json.loads(verdict.to_json())
    assert data["passed"] is True and data["status"] in STATUSES
    assert set(data) >= {"cheat_types", "exit_code", "signal", "wall_s", "cpu_s", "truncated"}


EARLY_EXITS = {
    "sys.exit(0) on import": "import sys\nsys.exit(0)\n" + ADD,
    "os._exit(0) on import": "import os\n" + ADD + "os._exit(0)\n",
    "raise SystemExit on import": ADD + "raise SystemExit\n",
    "exec of /bin/true": "import os\nos.execv('/bin/true', ['true'])\n",
    "sys.exit(0) in a later test": (
        "import sys\ndef add(a, b):\n    if a == 0:\n        sys.exit(0)\n    return a + b\n"
    ),
    "os._exit(0) in a later test": (
        "import os\ndef add(a, b):\n    if a == 0:\n        os._exit(0)\n    return a + b\n"
    ),
    "os._exit(0) from a thread": (
        "import os, threading, time\n"
        "threading.Timer(0.2, os._exit, (0,)).start()\n"
        "def add(a, b):\n    time.sleep(3)\n    return a + b\n"
    ),
    "patched sys.exit and print": (
        "import builtins, os, sys\n"
        "sys.exit = lambda *a: os._exit(0)\n"
        "builtins.print = lambda *a, **k: None\n"
        "def add(a, b):\n    sys.exit(0)\n"
    ),
}


@pytest.mark.parametrize("isolation", BOTH_MODES)
@pytest.mark.parametrize("program", EARLY_EXITS.values(), ids=EARLY_EXITS.keys())
def test_exiting_with_status_0_before_the_tests_end_is_not_a_pass(
    program: str, isolation: str
) -> None:
    verdict = run_tests(program, IMPOSSIBLE_ADD, FAST, isolation, entry_point="add")
    assert not verdict.passed and verdict.status == "fail", verdict
    assert verdict.exit_code == 0
    assert EARLY_EXIT in verdict.cheat_types


FORGERIES = {
    "prints the done line": (
        "import os\nprint('steer-sandbox:done:' + '0' * 64)\n" + ADD + "os._exit(0)\n"
    ),
    "writes the done line to every fd": (
        "import os\n"
        "for fd in range(64):\n"
        "    try:\n"
        "        os.write(fd, b'steer-sandbox:done:' + b'0' * 64 + b'\\n')\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)\n"
    ),
    "prints the marker format and passes honestly": ADD + "print('steer-sandbox:done:x')\n",
}


@pytest.mark.parametrize("program", FORGERIES.values(), ids=FORGERIES.keys())
def test_a_forged_pass_marker_is_not_a_pass(program: str) -> None:
    tests = IMPOSSIBLE_ADD if "os._exit" in program else CHECK_ADD
    verdict = run_tests(program, tests, FAST, entry_point="add")
    assert not verdict.passed, verdict
    assert MARKER_FORGERY in verdict.cheat_types


STEAL_THE_NONCE = r"""
import gc, os, sys, types
stolen = []
frame = sys._getframe()
while frame is not None:  # walk up into the harness
    for value in list(frame.f_locals.values()):
        if isinstance(value, types.GeneratorType):
            stolen.append(next(value))
            for attempt in (lambda: value.gi_frame, lambda: gc.get_referents(value)):
                try:
                    stolen.append(attempt())
                except PermissionError:
                    print("refused")
        elif isinstance(value, bytes):
            stolen.append(value)
    frame = frame.f_back
for fd in range(3, 256):  # the nonce pipe, if it were still open
    try:
        os.set_blocking(fd, False)
        stolen.append(os.read(fd, 4096))
    except OSError:
        pass
for path in ("/proc/self/environ", "/proc/self/cmdline"):
    stolen.append(open(path, "rb").read())
for guess in stolen:
    text = guess if isinstance(guess, bytes) else repr(guess).encode()
    print(text.hex())
    os.write(int(sys.argv[1]), b"steer-sandbox:done:" + text + b"\n")
os._exit(0)
"""


def test_the_program_cannot_read_the_nonce_from_the_harness() -> None:
    verdict = run_tests(STEAL_THE_NONCE, "assert False\n", FAST)
    assert not verdict.passed
    assert NONCE_LEAK not in verdict.cheat_types
    assert verdict.stdout.count("refused") == 2


def test_tracing_to_skip_test_lines_is_refused() -> None:
    program = ADD + "import sys\nsys.settrace(lambda *args: None)\n"
    verdict = run_tests(program, CHECK_ADD, FAST, entry_point="add")
    assert verdict.status == "fail" and "does not allow sys.settrace" in verdict.stderr


def test_a_program_over_the_size_cap_is_refused() -> None:
    verdict = run_tests("x = 1\n" * 300_000, "assert x == 1\n", FAST)
    assert verdict.status == "refused" and not verdict.passed


def test_tests_that_call_check_themselves_run_as_written() -> None:
    tests = CHECK_ADD + "\ncheck(add)\n"
    assert complete_tests(ADD, tests, entry_point="add") == tests
    assert run_tests(ADD, tests, FAST).passed


def test_an_unknown_entry_point_is_a_steer_error() -> None:
    two_functions = ADD + "def sub(a, b):\n    return a - b\n"
    with pytest.raises(SteerError, match="2 top-level functions"):
        run_tests(two_functions, CHECK_ADD, FAST)
    with pytest.raises(SteerError, match="is not a Python name"):
        run_tests(ADD, CHECK_ADD, FAST, entry_point="add; import os")


def test_limits_must_be_positive() -> None:
    with pytest.raises(SteerError, match=r"sandbox.wall_s must be a finite number above 0, got 0"):
        SandboxLimits(wall_s=0)
    for bad in (float("nan"), float("inf")):  # issue 13: NaN and infinity are no limit
        with pytest.raises(SteerError, match=f"sandbox.cpu_s must be a finite .* got {bad}"):
            SandboxLimits(cpu_s=bad)
    with pytest.raises(SteerError, match=r"sandbox.memory_mb is 1000000, more than the 65536"):
        SandboxLimits(memory_mb=1_000_000)
