"""Progress on long work: a tqdm bar on a terminal, and log lines when the output is a file.

tqdm hides its bar when stderr is not a terminal (``disable=None``), which left an hour-long
`steer extract` or `steer run` under nohup, SLURM or a CI log with nothing to show between its
first and last line. :func:`progress` keeps the bar on a terminal and otherwise logs
``<desc>: <done>/<total> <unit>s (<percent>), <elapsed> elapsed, about <left> left`` every
``every_s`` seconds (5 minutes; and once at the end if it logged before, so work shorter than
that prints nothing extra), through the caller's logger, so the lines land in the job's log.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any, Generic, TypeVar

from tqdm.auto import tqdm

__all__ = ["progress"]

T = TypeVar("T")
LOG_EVERY_S = 300.0


def _plural(unit: str) -> str:
    if unit.endswith("y") and unit[-2:-1] not in ("a", "e", "i", "o", "u"):
        return unit[:-1] + "ies"
    return unit + "s"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


class LoggedProgress(Generic[T]):
    """tqdm's small interface (iterate, ``update``, context manager), reported as log lines."""

    def __init__(
        self,
        iterable: Iterable[T] | None,
        total: int | None,
        desc: str,
        unit: str,
        initial: int,
        logger: logging.Logger,
        every_s: float,
        clock: Any = time.monotonic,
    ) -> None:
        self.iterable = iterable
        self.total = total
        self.desc, self.unit, self.logger, self.every_s = desc, unit, logger, every_s
        self.initial = self.done = initial
        self.clock = clock
        self.start = self.last = clock()
        self.logged = False
        self.reported = initial  # ``done`` as of the last logged line

    def __iter__(self) -> Iterator[T]:
        assert self.iterable is not None, "nothing to iterate over"
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def __enter__(self) -> LoggedProgress[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if now - self.last >= self.every_s:
            self.last = now
            self.logged = True
            self.reported = self.done
            self.logger.info("%s", self.line(now))

    def close(self) -> None:
        """The final count, unless the last line already said it (or nothing was ever logged:
        short work stays quiet)."""
        if self.logged and self.done != self.reported:
            self.reported = self.done
            self.logger.info("%s", self.line(self.clock()))

    def line(self, now: float) -> str:
        elapsed = now - self.start
        if self.total is None:
            return f"{self.desc}: {self.done} {_plural(self.unit)}, {_duration(elapsed)} elapsed"
        fraction = self.done / self.total if self.total else 1.0
        text = (
            f"{self.desc}: {self.done}/{self.total} {_plural(self.unit)} ({fraction:.0%}), "
            f"{_duration(elapsed)} elapsed"
        )
        made = self.done - self.initial
        if made > 0 and self.done < self.total:
            text += f", about {_duration(elapsed / made * (self.total - self.done))} left"
        return text


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str,
    unit: str,
    initial: int = 0,
    logger: logging.Logger,
    every_s: float = LOG_EVERY_S,
) -> Any:
    """A tqdm bar when stderr is a terminal, else a :class:`LoggedProgress`; both iterate over
    ``iterable`` or take ``update(n)``, and both are context managers."""
    if total is None and iterable is not None and hasattr(iterable, "__len__"):
        total = len(iterable)  # type: ignore[arg-type]
    if sys.stderr.isatty():
        return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial)
    return LoggedProgress(iterable, total, desc, unit, initial, logger, every_s)
