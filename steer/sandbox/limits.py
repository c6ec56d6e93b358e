"""How much a sandboxed program may use, and the resource limits that enforce it."""

from __future__ import annotations

import math
import resource
from collections.abc import Callable
from dataclasses import dataclass

from steer.errors import SteerError

MIB = 1024 * 1024
KIB = 1024
# The largest value of each limit (`steer sandbox --timeout`, `sandbox.wall_s`, ...): a day of
# wall or CPU time, 64 GiB of memory, 1 GiB per file or tmpfs, 4096 processes or files, 64 MiB
# of output. Beyond these a limit limits nothing, and NaN or infinity none at all.
MAXIMA: dict[str, float] = {
    "wall_s": 86_400,
    "cpu_s": 86_400,
    "memory_mb": 65_536,
    "file_size_mb": 1_024,
    "processes": 4_096,
    "open_files": 4_096,
    "output_kb": 65_536,
    "tmp_mb": 1_024,
}


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one run. ``processes`` counts the program's own processes and threads (the
    sandbox adds what it needs itself); memory is address space per process."""

    wall_s: float = 10.0
    cpu_s: float = 5.0
    memory_mb: int = 512
    file_size_mb: float = 1.0
    processes: int = 8
    open_files: int = 64
    output_kb: int = 64
    tmp_mb: int = 16

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            check_limit(name, getattr(self, name), f"sandbox.{name}")

    @property
    def output_bytes(self) -> int:
        return int(self.output_kb * KIB)

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb * MIB)

    @property
    def file_size_bytes(self) -> int:
        return int(self.file_size_mb * MIB)

    @property
    def tmp_bytes(self) -> int:
        return int(self.tmp_mb * MIB)


def check_limit(name: str, value: object, option: str) -> None:
    """A SteerError unless ``value`` is a finite number in (0, MAXIMA[name]]; ``option`` is how
    the user set it (``sandbox.wall_s``, ``--timeout``)."""
    top = MAXIMA[name]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise SteerError(
            f"{option} must be a finite number above 0, got {value!r}",
            f"set {option} to a number above 0 (at most {top:g})",
        )
    if value > top:
        raise SteerError(
            f"{option} is {value!r}, more than the {top:g} a sandboxed run may have",
            f"set {option} to at most {top:g}",
        )


def cpu_seconds(limits: SandboxLimits) -> int:
    """RLIMIT_CPU counts whole seconds."""
    return max(1, math.ceil(limits.cpu_s))


def rlimits(limits: SandboxLimits, max_tasks: int) -> dict[int, tuple[int, int]]:
    """The setrlimit values. Soft and hard CPU limits are equal, so the kernel sends SIGKILL at
    ``cpu_s`` (a SIGXCPU warning would be ignored by a namespace's init anyway)."""
    cpu = cpu_seconds(limits)
    wanted = {
        resource.RLIMIT_CPU: (cpu, cpu),
        resource.RLIMIT_AS: (limits.memory_bytes, limits.memory_bytes),
        resource.RLIMIT_FSIZE: (limits.file_size_bytes, limits.file_size_bytes),
        resource.RLIMIT_NPROC: (max_tasks, max_tasks),
        resource.RLIMIT_NOFILE: (limits.open_files, limits.open_files),
        resource.RLIMIT_CORE: (0, 0),
    }
    return {which: _within_hard_limit(which, pair) for which, pair in wanted.items()}


def _within_hard_limit(which: int, pair: tuple[int, int]) -> tuple[int, int]:
    """Never ask for more than the parent's own hard limit (raising it needs privilege)."""
    hard_now = resource.getrlimit(which)[1]
    if hard_now == resource.RLIM_INFINITY:
        return pair
    return min(pair[0], hard_now), min(pair[1], hard_now)


def limit_setter(values: dict[int, tuple[int, int]]) -> Callable[[], None]:
    """A ``preexec_fn``: applies the limits in the child between fork and exec. It only lowers
    limits, so it works after the child dropped to an unprivileged user."""
    items = sorted(values.items())

    def apply() -> None:
        for which, pair in items:
            resource.setrlimit(which, pair)

    return apply
