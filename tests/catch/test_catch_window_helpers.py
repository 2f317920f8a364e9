"""Window helpers: rolling sums per group (property against a loop) and Wilson bounds
(oracle: statsmodels' proportion_confint)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from labelqc.catch.timeline import one_sided_level, rolling_sums, row_first
from labelqc.quality.statistics import wilson_bounds


@settings(max_examples=60, deadline=None)
@given(
    group_sizes=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    window=st.integers(1, 15),
    seed=st.integers(0, 2**16),
)
def test_rolling_sums_equal_a_loop_within_each_group(group_sizes, window, seed) -> None:
    codes = np.repeat(np.arange(len(group_sizes)), group_sizes)
    values = np.random.default_rng(seed).normal(size=(codes.size, 3))
    first = row_first(codes)
    sums = rolling_sums(values, first, window)
    for i in range(codes.size):
        start = max(first[i], i - window + 1)
        np.testing.assert_allclose(sums[i], values[start : i + 1].sum(axis=0), atol=1e-9)


def test_row_first_points_at_the_start_of_each_run() -> None:
    np.testing.assert_array_equal(row_first(np.array([4, 4, 7, 7, 7, 2])), [0, 0, 2, 2, 2, 5])
    assert row_first(np.array([], dtype=np.int64)).size == 0


def test_rolling_sums_accept_no_row() -> None:
    assert rolling_sums(np.zeros((0, 2)), np.zeros(0, dtype=np.int64), 3).shape == (0, 2)


def test_wilson_bounds_match_statsmodels() -> None:
    successes = np.array([0, 1, 7, 13, 50, 64])
    n = np.array([5, 10, 64, 64, 60, 64])
    z = 2.33
    low, high = wilson_bounds(successes, n, z)
    two_sided_alpha = 2.0 * (1.0 - one_sided_level(z))
    ref_low, ref_high = proportion_confint(successes, n, alpha=two_sided_alpha, method="wilson")
    np.testing.assert_allclose(low, ref_low, atol=1e-9)
    np.testing.assert_allclose(high, ref_high, atol=1e-9)


def test_wilson_bounds_are_nan_without_observations() -> None:
    low, high = wilson_bounds(np.array([0]), np.array([0]), 2.0)
    assert np.isnan(low[0]) and np.isnan(high[0])
