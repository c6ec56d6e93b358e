"""The ``sandbox`` config group as an object: how tasks run model-written code.

Built once per run (so a missing bubblewrap is reported before the model loads); the weaker
``rlimits`` mode is refused unless chosen explicitly, and then warns loudly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from steer.errors import SteerError
from steer.sandbox import ISOLATION_MODES, SandboxLimits, Verdict, run_tests
from steer.sandbox.isolation import find_bwrap

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sandbox:
    isolation: str
    limits: SandboxLimits
    workers: int = 2

    def run(self, code: str, tests: str, entry_point: str | None) -> Verdict:
        return run_tests(code, tests, self.limits, self.isolation, entry_point=entry_point)


def make_sandbox(
    isolation: str = "bwrap",
    workers: int = 2,
    wall_s: float = 10.0,
    cpu_s: float = 5.0,
    memory_mb: int = 512,
    file_size_mb: float = 1.0,
    processes: int = 8,
    open_files: int = 64,
    output_kb: int = 64,
    tmp_mb: int = 16,
) -> Sandbox:
    if isolation not in ISOLATION_MODES:
        raise SteerError(
            f"unknown sandbox.isolation {isolation!r}",
            f"choose one of: {', '.join(ISOLATION_MODES)}",
        )
    if workers < 1:
        raise SteerError("sandbox.workers must be at least 1", "set sandbox.workers=1 or more")
    if isolation == "bwrap":
        find_bwrap()
    else:
        log.warning(
            "SANDBOX WEAKENED: sandbox.isolation=%s runs model-written code without namespaces",
            isolation,
        )
    limits = SandboxLimits(
        wall_s=wall_s,
        cpu_s=cpu_s,
        memory_mb=memory_mb,
        file_size_mb=file_size_mb,
        processes=processes,
        open_files=open_files,
        output_kb=output_kb,
        tmp_mb=tmp_mb,
    )
    sandbox = Sandbox(isolation, limits, workers)
    check_sandbox_starts(sandbox)
    return sandbox


def check_sandbox_starts(sandbox: Sandbox) -> None:
    """Run a trivial program once, so a sandbox that cannot start here (bwrap installed but no
    user namespaces, say) stops the run instead of scoring every reply as a failure."""
    verdict = sandbox.run("def one():\n    return 1\n", "assert one() == 1\n", None)
    if not verdict.passed:
        raise SteerError(
            f"the sandbox ({sandbox.isolation}) cannot run a trivial program here: "
            f"{verdict.status}, {verdict.detail} {verdict.stderr.strip()[-200:]}",
            "check that bubblewrap can create namespaces (e.g. not in an unprivileged container), "
            "or choose sandbox=rlimits (weaker)",
        )
