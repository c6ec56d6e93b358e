"""Peak resident memory of one block of code, measured inside this process.

Tensor memory is allocated by torch's C++ CPU allocator, which ``tracemalloc`` never sees, and
``getrusage`` reports a process-wide peak that only ever grows. Linux lets a process reset its
own peak RSS (``VmHWM``) by writing ``5`` to ``/proc/self/clear_refs``; so before a block we
collect garbage, hand freed heap pages back to the OS (``malloc_trim``), reset the peak and read
the current RSS as the baseline. After the block ``VmHWM`` is the block's own peak RSS.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")
METHOD = (
    "peak RSS of the process during the call: before each timed call `gc.collect()`, glibc "
    "`malloc_trim(0)`, then the kernel's peak-RSS counter is reset (`5` > "
    "`/proc/self/clear_refs`); after the call `VmHWM` from `/proc/self/status` is the peak. "
    "*Extra* is that peak minus the RSS just before the call (model weights already resident), "
    "the maximum over repeats. tracemalloc is not used: torch allocates tensors in C++, "
    "outside Python's allocator, so it would miss nearly everything."
)


@dataclass(frozen=True)
class MemoryPeak:
    baseline_mb: float | None
    peak_mb: float | None

    @property
    def delta_mb(self) -> float | None:
        if self.baseline_mb is None or self.peak_mb is None:
            return None
        return self.peak_mb - self.baseline_mb


class PeakHolder:
    def __init__(self) -> None:
        self.value = MemoryPeak(None, None)


def _status_mb(key: str) -> float | None:
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024  # the kernel reports kB
    except OSError:
        return None
    return None


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def _reset_peak() -> bool:
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
    try:
        CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_reset_works() -> bool:
    return _reset_peak() and _status_mb("VmHWM") is not None


@contextmanager
def measure_peak() -> Iterator[PeakHolder]:
    """Measure the peak RSS of the block; the holder's ``value`` is filled in on exit."""
    holder = PeakHolder()
    gc.collect()
    reset = _reset_peak()
    baseline = _status_mb("VmRSS") if reset else None
    try:
        yield holder
    finally:
        peak = _status_mb("VmHWM") if reset else None
        holder.value = MemoryPeak(baseline, peak)
