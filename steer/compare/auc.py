"""The statistics of `steer compare`'s monitoring (steer.compare.monitoring): the ROC AUC of a
readout for an attempt's outcome with its label-permutation p, and the paired change of a
readout from the first attempt. Pure functions on arrays."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as scipy_stats

from steer.compare.stats import CHUNK, NAN, PERMUTATIONS, SEED, mean_interval, sign_flip_p


@dataclass(frozen=True)
class AucResult:
    auc: float  # NaN when undefined
    n_positive: int
    n_negative: int
    p_value: float  # NaN when the AUC is undefined
    note: str  # why the AUC is undefined ("no positives", "no negatives"), else ""


@dataclass(frozen=True)
class Change:
    attempt: int
    n_pairs: int
    mean_difference: float  # NaN without pairs
    p_value: float  # NaN without pairs


def _labelled(scores: ArrayLike, positives: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(scores, dtype=float)
    labels = np.asarray(positives, dtype=bool)
    if values.shape != labels.shape:
        raise ValueError(f"{values.size} scores but {labels.size} labels")
    return values, labels


def _auc_from_rank_sums(rank_sums: np.ndarray, n_positive: int, n_negative: int) -> np.ndarray:
    """Mann-Whitney: U / (n_pos · n_neg), U = rank sum of the positives - n_pos(n_pos+1)/2."""
    return (rank_sums - n_positive * (n_positive + 1) / 2) / (n_positive * n_negative)


def roc_auc(scores: ArrayLike, positives: ArrayLike) -> float:
    """P(a positive's score > a negative's), ties counting half; NaN without both classes."""
    values, labels = _labelled(scores, positives)
    n_positive = int(labels.sum())
    n_negative = labels.size - n_positive
    if n_positive == 0 or n_negative == 0:
        return NAN
    ranks = scipy_stats.rankdata(values)  # ties get the average rank: they count half
    return float(_auc_from_rank_sums(ranks[labels].sum(), n_positive, n_negative))


def auc_permutation_p(
    scores: ArrayLike, positives: ArrayLike, permutations: int = PERMUTATIONS, seed: int = SEED
) -> float:
    """Two-sided p of the AUC under shuffled labels: P(|AUC - 0.5| >= observed). Every choice
    of positives is enumerated when there are at most ``permutations`` (exact); otherwise
    ``permutations`` random shuffles from ``seed``, p = (1 + hits) / (1 + permutations)."""
    values, labels = _labelled(scores, positives)
    n, k = labels.size, int(labels.sum())
    if k == 0 or k == n:
        return NAN
    ranks = scipy_stats.rankdata(values)
    observed = abs(float(_auc_from_rank_sums(ranks[labels].sum(), k, n - k)) - 0.5)
    tolerance = 1e-12

    def extreme(chosen: np.ndarray) -> int:
        aucs = _auc_from_rank_sums(ranks[chosen].sum(axis=1), k, n - k)
        return int(np.count_nonzero(np.abs(aucs - 0.5) >= observed - tolerance))

    if math.comb(n, k) <= permutations:
        every = np.array(list(itertools.combinations(range(n), k)))
        return extreme(every) / len(every)
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, permutations, CHUNK):
        size = min(CHUNK, permutations - start)
        hits += extreme(rng.random((size, n)).argsort(axis=1)[:, :k])
    return (1 + hits) / (1 + permutations)


def auc_result(scores: ArrayLike, positives: ArrayLike) -> AucResult:
    """The AUC with its counts, permutation p and, when it is undefined, why."""
    values, labels = _labelled(scores, positives)
    n_positive = int(labels.sum())
    n_negative = labels.size - n_positive
    note = "no positives" if n_positive == 0 else "no negatives" if n_negative == 0 else ""
    return AucResult(
        roc_auc(values, labels), n_positive, n_negative, auc_permutation_p(values, labels), note
    )


def change_from_first(attempt: int, first: ArrayLike, later: ArrayLike) -> Change:
    """Paired change ``later - first`` (one pair per episode): mean, pairs, sign-flip p."""
    differences = np.asarray(later, dtype=float) - np.asarray(first, dtype=float)
    if differences.size == 0:
        return Change(attempt, 0, NAN, NAN)
    return Change(attempt, differences.size, float(differences.mean()), sign_flip_p(differences))


def readout_at_attempt(attempt: int, values: ArrayLike) -> dict[str, float]:
    """Mean, n and 95% t interval of one attempt's readouts."""
    array = np.asarray(values, dtype=float)
    low, high = mean_interval(array)
    mean = float(array.mean()) if array.size else NAN
    return {"attempt": attempt, "n": array.size, "mean": mean, "ci_low": low, "ci_high": high}
