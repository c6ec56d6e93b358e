"""The statistics of `steer compare` against hand computations and scipy references."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from steer.compare.stats import fisher_p, mean_interval, rate_interval, sign_flip_p, spearman


def enumerated_sign_flip_p(differences: list[float]) -> float:
    """The two-sided sign-flip p written out: every sign pattern, one by one."""
    observed = abs(sum(differences)) / len(differences)
    patterns = list(itertools.product((1, -1), repeat=len(differences)))
    extreme = 0
    for signs in patterns:
        flipped = abs(sum(s * d for s, d in zip(signs, differences, strict=True)))
        extreme += flipped / len(differences) >= observed - 1e-12
    return extreme / len(patterns)


def test_fisher_p_of_the_tea_tasting_table_is_34_of_70() -> None:
    # [[3, 1], [1, 3]]: hypergeometric probabilities 1, 16, 36, 16, 1 (/70); as or less likely
    # than the observed 16/70: 1 + 16 + 16 + 1.
    assert fisher_p(3, 4, 1, 4) == pytest.approx(34 / 70)


def test_fisher_p_matches_scipy_on_an_unbalanced_table() -> None:
    expected = scipy_stats.fisher_exact([[9, 11], [2, 18]]).pvalue
    assert fisher_p(9, 20, 2, 20) == pytest.approx(expected)
    assert fisher_p(9, 20, 2, 20) < 0.05


def test_fisher_p_is_one_when_both_rates_are_zero_and_nan_without_trials() -> None:
    assert fisher_p(0, 10, 0, 10) == 1.0
    assert fisher_p(1, 1, 1, 1) == 1.0
    assert math.isnan(fisher_p(0, 0, 3, 10))


def test_sign_flip_p_of_1_2_3_is_two_of_eight_patterns() -> None:
    # sums of ±1 ±2 ±3: 6, 4, 2, 0, 0, -2, -4, -6; only ±6 are as extreme as the observed 6.
    assert sign_flip_p([1.0, 2.0, 3.0]) == 0.25


def test_sign_flip_p_equals_exact_enumeration_on_a_small_case() -> None:
    differences = [0.4, -0.1, 1.3, 0.2, -0.6, 0.9, 0.05]
    assert sign_flip_p(differences) == pytest.approx(enumerated_sign_flip_p(differences))


def test_sign_flip_p_when_sampled_is_reproducible_and_close_to_exact() -> None:
    differences = list(np.random.default_rng(3).normal(0.3, 1.0, size=15))
    sampled = sign_flip_p(differences)  # 2^15 patterns > 10,000: sampled
    assert sampled == sign_flip_p(differences)
    assert sampled == pytest.approx(enumerated_sign_flip_p(differences), abs=0.02)
    assert sampled != sign_flip_p(differences, seed=1)


def test_sign_flip_p_never_reports_zero_when_sampled() -> None:
    assert sign_flip_p([1.0] * 40) == pytest.approx(1 / 10_001)


def test_sign_flip_p_edge_cases() -> None:
    assert sign_flip_p([0.0, 0.0, 0.0]) == 1.0  # identical values: no evidence at all
    assert sign_flip_p([0.7]) == 1.0  # one pair: both signs are as extreme
    assert math.isnan(sign_flip_p([]))


def test_spearman_of_a_monotone_series_is_one_and_of_a_reversed_one_minus_one() -> None:
    strengths = [-0.2, -0.1, 0.0, 0.1, 0.2]
    rho, p = spearman(strengths, [1.0, 4.0, 9.0, 16.0, 400.0])
    assert rho == pytest.approx(1.0) and p < 0.01
    assert spearman(strengths, [5.0, 3.0, 2.0, 1.0, -9.0])[0] == pytest.approx(-1.0)


def test_spearman_is_the_correlation_of_ranks_with_scipy_p() -> None:
    x = [0.0, 0.0, 0.1, 0.1, 0.2, 0.2, -0.1, -0.1]
    y = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
    ranks_x, ranks_y = scipy_stats.rankdata(x), scipy_stats.rankdata(y)
    rho, p = spearman(x, y)
    assert rho == pytest.approx(np.corrcoef(ranks_x, ranks_y)[0, 1])
    assert p == pytest.approx(scipy_stats.spearmanr(x, y).pvalue)


def test_spearman_is_nan_for_a_constant_metric_or_too_few_points() -> None:
    assert all(math.isnan(v) for v in spearman([-1.0, 0.0, 1.0], [2.0, 2.0, 2.0]))
    assert all(math.isnan(v) for v in spearman([0.0, 1.0], [1.0, 2.0]))


def test_wilson_interval_of_3_in_10_by_hand() -> None:
    z, n, rate = 1.959963984540054, 10, 0.3
    centre = (rate + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert rate_interval(3, 10) == pytest.approx((centre - half, centre + half))
    assert rate_interval(3, 10) == pytest.approx((0.1078, 0.6032), abs=1e-4)


def test_wilson_interval_edges() -> None:
    low, high = rate_interval(0, 10)
    assert low == 0.0 and 0.27 < high < 0.28  # all zero: a one-sided interval from exactly 0
    assert rate_interval(10, 10)[1] == 1.0
    assert rate_interval(1, 1)[0] > 0.0 and rate_interval(1, 1)[1] == 1.0
    assert all(math.isnan(v) for v in rate_interval(0, 0))


def test_t_interval_of_1_2_3_4_by_hand() -> None:
    half = 3.182446305284 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3) * sd / sqrt(4)
    assert mean_interval([1.0, 2.0, 3.0, 4.0]) == pytest.approx((2.5 - half, 2.5 + half))


def test_t_interval_edges() -> None:
    assert mean_interval([2.0, 2.0, 2.0]) == (2.0, 2.0)
    assert all(math.isnan(v) for v in mean_interval([5.0]))
    assert all(math.isnan(v) for v in mean_interval([]))
