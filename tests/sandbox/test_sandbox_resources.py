"""Programs that loop, fork, allocate, flood output or attack their parent end within the limits,
the harness survives them, and nothing they started outlives the run."""

from __future__ import annotations

import os
import time

import pytest

from steer.sandbox import SandboxLimits, run_tests
from tests.sandbox.sandbox_helpers import ADD, BOTH_MODES, CHECK_ADD, processes_with

MARGIN_S = 1.5  # start-up, the kill and the drain, on a busy 2-core machine


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_an_infinite_loop_is_stopped_by_the_cpu_limit(isolation: str) -> None:
    limits = SandboxLimits(wall_s=10, cpu_s=1)
    started = time.monotonic()
    verdict = run_tests("while True:\n    pass\n", "assert True\n", limits, isolation)
    assert verdict.status == "timeout" and not verdict.passed, verdict
    assert "CPU time limit" in verdict.detail
    # One CPU-second takes longer than a second of wall time when other work shares the cores
    # (5.4 s beside a running experiment), so the bound is the wall limit it must beat.
    assert time.monotonic() - started < limits.wall_s


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_a_program_that_sleeps_forever_is_stopped_by_the_wall_clock(isolation: str) -> None:
    limits = SandboxLimits(wall_s=1.0, cpu_s=5)
    started = time.monotonic()
    verdict = run_tests("import time\ntime.sleep(3600)\n", "assert True\n", limits, isolation)
    assert verdict.status == "timeout" and "wall-clock" in verdict.detail, verdict
    assert time.monotonic() - started < limits.wall_s + MARGIN_S


FORK_BOMB = """
import os, sys
BOMB = "import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass"
for _ in range(4):  # bombs that carry the marker in their command line, in new sessions
    try:
        if os.fork() == 0:
            os.setsid()
            os.execv(sys.executable, [sys.executable, "-c", BOMB, "{marker}"])
    except OSError:
        pass
while True:
    try:
        os.fork()
    except OSError:
        pass
"""


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_a_fork_bomb_is_contained_and_leaves_no_process(isolation: str, marker: str) -> None:
    limits = SandboxLimits(wall_s=2.0, cpu_s=5, processes=16)
    started = time.monotonic()
    verdict = run_tests(FORK_BOMB.format(marker=marker), "assert True\n", limits, isolation)
    assert not verdict.passed and verdict.status in {"timeout", "killed", "fail"}, verdict
    assert time.monotonic() - started < limits.wall_s + MARGIN_S
    assert "left after the kill" not in verdict.detail
    assert processes_with(marker) == []


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_unbounded_allocation_hits_the_memory_limit(isolation: str) -> None:
    program = "hoard = []\nwhile True:\n    hoard.append(bytearray(32 * 1024 * 1024))\n"
    verdict = run_tests(program, "assert True\n", SandboxLimits(memory_mb=256), isolation)
    assert not verdict.passed and verdict.status in {"error", "killed"}, verdict
    assert "memory limit of 256 MiB" in verdict.detail


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_killing_the_parent_and_everything_else_leaves_the_harness_standing(
    isolation: str,
) -> None:
    program = (
        "import os, signal\n"
        "for target in (os.getppid(), 1, -1):\n"
        "    try:\n"
        "        os.kill(target, signal.SIGKILL)\n"
        "    except OSError as error:\n"
        "        print('refused', target, error.strerror)\n" + ADD
    )
    verdict = run_tests(program, CHECK_ADD, SandboxLimits(wall_s=5), isolation, entry_point="add")
    assert verdict.status in {"pass", "fail"}, verdict
    assert os.getppid() > 1  # we, the caller, are alive and still have our parent
    assert run_tests(ADD, CHECK_ADD, SandboxLimits(wall_s=5), isolation, entry_point="add").passed


@pytest.mark.parametrize("isolation", BOTH_MODES)
def test_huge_output_is_truncated_and_does_not_block(isolation: str) -> None:
    program = "import sys\nfor _ in range(300):\n    sys.stdout.write('x' * 65536)\n" + ADD
    limits = SandboxLimits(output_kb=64)
    verdict = run_tests(program, CHECK_ADD, limits, isolation, entry_point="add")
    assert verdict.passed and verdict.truncated, verdict
    assert len(verdict.stdout) == limits.output_bytes


def test_endless_output_is_truncated_and_timed_out() -> None:
    program = "import sys\nwhile True:\n    print('y' * 999)\n    sys.stderr.write('z' * 999)\n"
    limits = SandboxLimits(wall_s=1.0)
    started = time.monotonic()
    verdict = run_tests(program, "assert True\n", limits)
    assert verdict.status == "timeout" and verdict.truncated
    assert len(verdict.stdout) <= limits.output_bytes and len(verdict.stderr) <= limits.output_bytes
    assert time.monotonic() - started < limits.wall_s + MARGIN_S


def test_a_file_over_the_size_limit_cannot_be_written() -> None:
    program = "with open('big.bin', 'wb') as handle:\n    handle.write(b'x' * 4 * 1024 * 1024)\n"
    verdict = run_tests(program, "assert True\n", SandboxLimits(file_size_mb=1))
    assert verdict.status == "fail" and "File too large" in verdict.stderr, verdict
