"""Integer-key helpers agree with numpy's sort-based equivalents on compact and sparse ids."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labelqc.geometry.codes import dense_codes, pair_codes, sorted_unique


@pytest.mark.parametrize("spread", [10, 10**12])  # lookup-table path and hash/search path
def test_sorted_unique_and_dense_codes(spread: int) -> None:
    rng = np.random.default_rng(0)
    values = rng.integers(-spread, spread, 5000)
    universe = sorted_unique(values)
    np.testing.assert_array_equal(universe, np.unique(values))
    probe = np.concatenate([values, [spread * 3, -spread * 3]])
    codes = dense_codes(probe, universe)
    np.testing.assert_array_equal(codes[:-2], np.searchsorted(universe, values))
    assert codes[-2:].tolist() == [-1, -1]


def test_empty_inputs() -> None:
    assert sorted_unique(np.zeros(0, dtype=np.int64)).size == 0
    assert dense_codes(np.array([1, 2]), np.zeros(0, dtype=np.int64)).tolist() == [-1, -1]


int_arrays = arrays(np.int64, st.integers(0, 40), elements=st.integers(-(2**40), 2**40))


@settings(max_examples=60, deadline=None)
@given(int_arrays, int_arrays)
def test_codes_properties(values: np.ndarray, probe: np.ndarray) -> None:
    universe = sorted_unique(values)
    np.testing.assert_array_equal(universe, np.unique(values))
    codes = dense_codes(probe, universe)
    inside = np.isin(probe, universe)
    np.testing.assert_array_equal(codes >= 0, inside)
    np.testing.assert_array_equal(universe[codes[inside]], probe[inside])


digits = arrays(np.int64, 30, elements=st.integers(0, 9))


@settings(max_examples=40, deadline=None)
@given(digits, digits, st.sampled_from([10, 10**15]))
def test_pair_codes_equal_exactly_for_equal_pairs(
    first: np.ndarray, second: np.ndarray, n_second: int
) -> None:
    # With n_second = 10**15 the combined key is sparse and the hash path is used.
    codes = pair_codes(first * 1000, second, n_second)
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))
    same_code = codes[:, None] == codes[None, :]
    same_pair = np.array([[p == q for q in pairs] for p in pairs])
    np.testing.assert_array_equal(same_code, same_pair)
