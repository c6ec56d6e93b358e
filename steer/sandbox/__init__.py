"""The sandbox for model-written code: ``run_tests(code, tests, limits) -> Verdict``.

Model-written code is hostile until proven otherwise and runs nowhere else. Each run gets a
fresh directory, an emptied environment, resource limits (CPU, memory, file size, processes,
open files), a wall-clock deadline after which everything it started is killed, capped output,
and (default ``isolation="bwrap"``) bubblewrap namespaces: no network, no view of the host's
files or processes. A pass is reported only when the harness saw the tests' last statement
return; how that is made unforgeable is explained in ``steer.sandbox.harness``.
"""

from __future__ import annotations

from steer.sandbox.isolation import ISOLATION_MODES
from steer.sandbox.limits import SandboxLimits
from steer.sandbox.runner import run_tests
from steer.sandbox.verdict import EARLY_EXIT, MARKER_FORGERY, NONCE_LEAK, STATUSES, Verdict

__all__ = [
    "EARLY_EXIT",
    "ISOLATION_MODES",
    "MARKER_FORGERY",
    "NONCE_LEAK",
    "STATUSES",
    "SandboxLimits",
    "Verdict",
    "run_tests",
]
