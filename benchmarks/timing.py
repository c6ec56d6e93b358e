"""Interleaved wall-clock timing: every repeat runs each contender once, in alternating order."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from benchmarks.memory import MemoryPeak, measure_peak

T = TypeVar("T")


@dataclass(frozen=True)
class Stats:
    """Summary of repeated measurements (seconds, or any unit)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def iqr(self) -> float:
        if len(self.values) < 2:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.values, n=4, method="inclusive")
        return q3 - q1


@dataclass
class Timed(Generic[T]):
    """One contender's durations, its peak memory per repeat, and its last result."""

    seconds: list[float] = field(default_factory=list)
    memory: list[MemoryPeak] = field(default_factory=list)
    results: list[T] = field(default_factory=list)  # only the latest is kept

    @property
    def stats(self) -> Stats:
        return Stats(tuple(self.seconds))

    @property
    def last(self) -> T:
        return self.results[-1]

    @property
    def peak_delta_mb(self) -> float | None:
        deltas = [m.delta_mb for m in self.memory if m.delta_mb is not None]
        return max(deltas) if deltas else None

    @property
    def peak_mb(self) -> float | None:
        peaks = [m.peak_mb for m in self.memory if m.peak_mb is not None]
        return max(peaks) if peaks else None


def interleaved(contenders: Mapping[str, Callable[[], T]], repeats: int) -> dict[str, Timed[T]]:
    """Run every contender once per repeat; the order reverses on odd repeats (A B, B A, ...)
    so slow drift of the machine (load, heat) falls on all contenders alike."""
    names = list(contenders)
    timed: dict[str, Timed[T]] = {name: Timed() for name in names}
    for repeat in range(repeats):
        order = names if repeat % 2 == 0 else names[::-1]
        for name in order:
            with measure_peak() as peak:
                start = time.perf_counter()
                result = contenders[name]()
                seconds = time.perf_counter() - start
            timed[name].seconds.append(seconds)
            timed[name].memory.append(peak.value)
            timed[name].results[:] = [result]
    return timed


# Where the time goes: cProfile self time grouped by the package that owns each function.
def _bucket(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "C / builtins (torch kernels)"
    for marker, name in (
        ("/steer/", "steer"),
        ("/transformer_lens/", "transformer_lens"),
        ("/transformers/", "transformers"),
        ("/torch/", "torch (Python)"),
    ):
        if marker in filename:
            return name
    return "other Python"


HOOK_CALLBACKS = frozenset({"on_output", "on_input", "_before_forward", "hook"})


@dataclass(frozen=True)
class ProfileSummary:
    total: float
    by_bucket: dict[str, float]
    hook_seconds: float  # cumulative time inside steer's hook callbacks
    hook_calls: int
    top_steer: list[tuple[str, float, int]]  # (function, cumulative s, calls)


def profile(fn: Callable[[], object]) -> ProfileSummary:
    """Run ``fn`` once under cProfile (which slows Python code, not torch kernels)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    raw = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    buckets: dict[str, float] = {}
    hook_seconds, hook_calls = 0.0, 0
    steer_rows: list[tuple[str, float, int]] = []
    for (filename, line, function), (_, calls, self_time, cumulative, _) in raw.items():
        bucket = _bucket(filename)
        buckets[bucket] = buckets.get(bucket, 0.0) + self_time
        if bucket == "steer":
            short = filename.split("/steer/", 1)[1]
            steer_rows.append((f"steer/{short}:{line} {function}", cumulative, calls))
            if function in HOOK_CALLBACKS:
                hook_seconds += cumulative
                hook_calls += calls
    steer_rows.sort(key=lambda row: row[1], reverse=True)
    return ProfileSummary(
        total=sum(buckets.values()),
        by_bucket=dict(sorted(buckets.items(), key=lambda item: item[1], reverse=True)),
        hook_seconds=hook_seconds,
        hook_calls=hook_calls,
        top_steer=steer_rows[:8],
    )
