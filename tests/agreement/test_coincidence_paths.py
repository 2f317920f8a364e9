"""The three coincidence-matrix constructions agree: signatures, dense counts, value pairs."""

import numpy as np
import pytest

from labelqc.agreement import coincidence_matrix, krippendorff_alpha
from labelqc.agreement._encoding import encode_reliability_data
from labelqc.agreement._signatures import signature_coincidences
from labelqc.agreement.alpha import coincidences_from_codes, value_pairs


def _general(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    encoded = encode_reliability_data(data)
    matrix = coincidences_from_codes(
        encoded.unit, encoded.code, encoded.n_units, encoded.values.size
    )
    return matrix, encoded.values


@pytest.mark.parametrize(
    "data",
    [
        np.array([[1, 2, 3, 3], [1, 2, 2, 3]]),  # integers, nothing missing
        np.array([[-2.0, np.nan, 0.0, 5.0], [-2.0, 1.0, np.nan, 4.0], [np.nan] * 4]),
        np.array([[1.0, 2.0, np.nan], [np.nan, np.nan, 3.0]]),  # nothing pairable
        np.array([[7.0, 7.0], [7.0, 7.0]]),  # a single value
    ],
    ids=["int", "negative-with-missing", "unpairable", "single-value"],
)
def test_signature_path_equals_general_path(data: np.ndarray) -> None:
    fast = signature_coincidences(data)
    assert fast is not None
    matrix, values = _general(data)
    np.testing.assert_allclose(fast[0], matrix, atol=1e-12)
    np.testing.assert_array_equal(fast[1], values)


def test_signature_path_on_random_data() -> None:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 9, size=(6, 5000)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    fast = signature_coincidences(data)
    assert fast is not None
    matrix, values = _general(data)
    np.testing.assert_allclose(fast[0], matrix, rtol=1e-12)
    np.testing.assert_array_equal(fast[1], values)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(data, level) == pytest.approx(
            krippendorff_alpha(data, level, value_domain=values), abs=1e-12
        )


@pytest.mark.parametrize(
    "data",
    [
        np.array([[1.5, 2.0], [1.0, 2.0]]),  # not integral
        np.array([[0.0, 1e9], [0.0, 1.0]]),  # range too wide for a signature
        np.array([[np.nan, np.nan]]),  # nothing observed
        np.array([["a", "b"], ["a", "a"]]),  # not numeric
    ],
)
def test_signature_path_declines(data: np.ndarray) -> None:
    assert signature_coincidences(data) is None


def test_dense_counts_and_value_pairs_agree() -> None:
    rng = np.random.default_rng(5)
    data = rng.integers(0, 40, size=(6, 150)).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    encoded = encode_reliability_data(data)
    n_values = encoded.values.size
    dense = coincidences_from_codes(encoded.unit, encoded.code, encoded.n_units, n_values)
    _unit, first, second, weight = value_pairs(encoded.unit, encoded.code, encoded.n_units)
    pairs = np.bincount(first * n_values + second, weights=weight, minlength=n_values**2)
    np.testing.assert_allclose(dense, pairs.reshape(n_values, n_values), atol=1e-12)
    np.testing.assert_allclose(coincidence_matrix(data).matrix, dense, atol=1e-12)


def test_diagonal_is_never_slightly_negative() -> None:
    # Found by hypothesis: sum(w n^2) - sum(w n) rounded to -1e-16 on a diagonal entry.
    nan = np.nan
    data = np.array(
        [
            [nan, 1, 1, nan, nan, 1, 1, 1, nan, 1, 1, nan, nan, 1, nan],
            [nan, nan, 2, nan, nan, 1, 3, nan, 1, nan, 1, nan, 3, nan, nan],
            [nan, 2, nan, nan, nan, 1, 1, 3, 3, 3, nan, nan, nan, 1, nan],
            [3, nan, 1, 1, 2, 1, 1, 1, nan, nan, nan, 1, nan, 1, 4],
            [2, nan, 1, 1, nan, 1, 1, 1, 1, nan, 1, nan, nan, 1, nan],
        ]
    )
    # The all-missing units matter: they change the summation order inside the product.
    full = np.full((5, 30), nan)
    full[:, [0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 15, 16, 26, 27, 28]] = data
    data = full
    fast = signature_coincidences(data)
    assert fast is not None and (fast[0] >= 0).all()
    assert (_general(data)[0] >= 0).all()
    assert krippendorff_alpha(data) <= 1.0
