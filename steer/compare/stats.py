"""The statistics of `steer compare`: pure functions on arrays, each 95% or two-sided.

- ``rate_interval``: the Wilson score interval of a rate k/n (``steer.metrics.stats``).
- ``mean_interval``: the Student t interval of a mean, ``mean ± t(0.975, n-1) · sd / √n``
  (sd with ddof=1); NaN for fewer than 2 values, a zero-width interval for identical values.
- ``fisher_p``: Fisher's exact test (two-sided) of two rates, k1/n1 against k0/n0, on the
  2x2 table ``[[k1, n1-k1], [k0, n0-k0]]``; NaN when either side has no trials.
- ``sign_flip_p``: the paired sign-flip permutation test (two-sided) of the mean of paired
  differences: under the null each difference is as likely to have either sign, so
  p = P(|mean of randomly signed differences| >= |observed mean|). Every one of the 2^n sign
  patterns is enumerated when 2^n <= ``permutations`` (an exact p); otherwise ``permutations``
  random patterns from a fixed seed are drawn and p = (1 + hits) / (1 + permutations), which
  never reports 0. All-zero differences give p = 1; no differences give NaN.
- ``spearman``: Spearman's rank correlation of two samples and its two-sided p (scipy's
  t-approximation); NaN for fewer than 3 points or when either sample is constant.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from steer.metrics.stats import wilson_interval

PERMUTATIONS = 10_000
SEED = 0
CHUNK = 1_000  # random sign patterns drawn at once (bounds memory for long runs)
NAN = float("nan")


def rate_interval(successes: int, trials: int) -> tuple[float, float]:
    """95% Wilson interval of successes / trials; NaN with no trials."""
    if trials == 0:
        return NAN, NAN
    low, high = wilson_interval(successes, trials)
    return (0.0 if low < 1e-12 else low), (1.0 if high > 1 - 1e-12 else high)  # rounding noise


def mean_interval(values: ArrayLike) -> tuple[float, float]:
    """95% Student t interval of the mean of ``values``."""
    array = np.asarray(values, dtype=float)
    if array.size < 2:
        return NAN, NAN
    mean = float(array.mean())
    half = float(stats.t.ppf(0.975, array.size - 1)) * float(array.std(ddof=1))
    half /= math.sqrt(array.size)
    return mean - half, mean + half


def fisher_p(successes: int, trials: int, base_successes: int, base_trials: int) -> float:
    """Two-sided Fisher's exact p of successes/trials against base_successes/base_trials."""
    if trials == 0 or base_trials == 0:
        return NAN
    table = [[successes, trials - successes], [base_successes, base_trials - base_successes]]
    return float(stats.fisher_exact(table).pvalue)


def _sign_patterns(n: int, permutations: int, seed: int) -> Iterator[np.ndarray]:
    """Rows of ±1, a chunk at a time: all 2^n when that is at most ``permutations`` (exact),
    else ``permutations`` random rows."""
    if 2**n <= permutations:
        yield np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        return
    rng = np.random.default_rng(seed)
    for start in range(0, permutations, CHUNK):
        size = (min(CHUNK, permutations - start), (n + 7) // 8)
        bits = np.unpackbits(rng.integers(0, 256, size=size, dtype=np.uint8), axis=1, count=n)
        yield 1.0 - 2.0 * bits


def sign_flip_p(
    differences: ArrayLike, permutations: int = PERMUTATIONS, seed: int = SEED
) -> float:
    """Two-sided paired sign-flip permutation p of mean(differences) against 0."""
    diffs = np.asarray(differences, dtype=float)
    if diffs.size == 0:
        return NAN
    observed = abs(float(diffs.mean()))
    tolerance = 1e-12 * max(1.0, observed)  # ties up to rounding count as at least as extreme
    hits = drawn = 0
    for patterns in _sign_patterns(diffs.size, permutations, seed):
        flipped = np.abs(patterns @ diffs) / diffs.size
        hits += int(np.count_nonzero(flipped >= observed - tolerance))
        drawn += len(patterns)
    if 2**diffs.size <= permutations:
        return hits / drawn
    return (1 + hits) / (1 + drawn)


def spearman(x: ArrayLike, y: ArrayLike) -> tuple[float, float]:
    """Spearman's rho and its two-sided p; NaN when it is undefined."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.size < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return NAN, NAN
    result = stats.spearmanr(xs, ys)
    return float(result.statistic), float(result.pvalue)
