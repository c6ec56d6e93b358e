"""Anomaly flags: values lying more than ``threshold`` standard deviations from the set's mean.

The z-score of item ``i`` in a series is ``(x_i - mean) / std`` with the mean and the
population standard deviation (ddof 0) of the series' finite values. NaN and infinite values
are left out and never flagged; a series with fewer than two finite values, or one whose
values are all equal (std 0), flags nothing. Because the outlier itself enters the mean and
the std, no |z| in a set of n values can exceed sqrt(n - 1): at the default threshold 2,
nothing can be flagged among 5 prompts or fewer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["norm", "readout"]
# Spread below this fraction of the values' scale counts as none (float noise of equal values).
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Outlier:
    item: str
    value: float
    z: float
    mean: float
    std: float


def max_reachable_z(n: int) -> float:
    """The largest |z| any of ``n`` values can have under this rule."""
    return math.sqrt(max(n - 1, 0))


def z_outliers(values: Mapping[str, float], threshold: float) -> list[Outlier]:
    """Items whose |z| exceeds ``threshold``, largest |z| first."""
    finite = {item: float(v) for item, v in values.items() if math.isfinite(v)}
    if len(finite) < 2:
        return []
    mean = math.fsum(finite.values()) / len(finite)
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in finite.values()) / len(finite))
    scale = max(abs(v) for v in finite.values())
    if std <= RELATIVE_TOLERANCE * scale:
        return []
    found = [
        Outlier(item, value, (value - mean) / std, mean, std)
        for item, value in finite.items()
        if abs(value - mean) > threshold * std
    ]
    return sorted(found, key=lambda o: -abs(o.z))


@dataclass(frozen=True)
class SeriesKey:
    """One quantity compared across prompts."""

    condition: str  # baseline | steered
    span: str  # prompt_last | reply_mean
    kind: Kind
    layer: int
    emotion: str | None = None  # readouts only


@dataclass(frozen=True)
class Flag:
    key: SeriesKey
    outlier: Outlier

    def record(self) -> dict[str, object]:
        return {
            "prompt_id": self.outlier.item,
            "condition": self.key.condition,
            "span": self.key.span,
            "kind": self.key.kind,
            "layer": self.key.layer,
            "emotion": self.key.emotion,
            "value": self.outlier.value,
            "z": self.outlier.z,
            "mean": self.outlier.mean,
            "std": self.outlier.std,
        }


def flag_series(
    series: Iterable[tuple[SeriesKey, Mapping[str, float]]], threshold: float
) -> list[Flag]:
    """Every outlier of every series, largest |z| first."""
    flags = [Flag(key, o) for key, values in series for o in z_outliers(values, threshold)]
    return sorted(flags, key=lambda f: -abs(f.outlier.z))
