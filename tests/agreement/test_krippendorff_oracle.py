"""Krippendorff alpha against the `krippendorff` package on random data with missing values."""

import krippendorff
import numpy as np
import pytest

from labelqc.agreement import (
    alpha_from_coincidences,
    coincidence_matrix,
    coincidence_matrix_from_long,
    krippendorff_alpha,
    merge_coincidences,
)

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


def _random_data(seed: int, coders: int, units: int, n_values: int, missing: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, n_values + 1, size=units)
    noise = rng.integers(-1, 2, size=(coders, units)) * (rng.random((coders, units)) < 0.4)
    data = np.clip(truth + noise, 1, n_values).astype(float)
    data[rng.random(data.shape) < missing] = np.nan
    return data


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_package_on_discrete_data(level: str, seed: int) -> None:
    data = _random_data(seed, coders=3 + seed, units=200, n_values=6, missing=0.25)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_matches_package_on_continuous_data(level: str) -> None:
    rng = np.random.default_rng(7)
    data = np.abs(rng.normal(5.0, 2.0, size=(4, 80)) + rng.normal(0, 0.5, size=(1, 80)))
    data[rng.random(data.shape) < 0.3] = np.nan
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


def test_matches_package_with_ordered_string_domain() -> None:
    domain = ["very low", "low", "mid", "high", "very high"]
    codes = _random_data(3, coders=4, units=60, n_values=5, missing=0.2)
    labels = np.array(["nan", *domain])[np.nan_to_num(codes, nan=0).astype(int)]
    expected = krippendorff.alpha(
        reliability_data=labels, level_of_measurement="ordinal", value_domain=domain
    )
    assert krippendorff_alpha(labels, "ordinal", value_domain=domain) == pytest.approx(
        expected, abs=1e-9
    )
    with_none = np.where(labels == "nan", None, labels.astype(object))
    assert krippendorff_alpha(with_none, "ordinal", value_domain=domain) == pytest.approx(
        expected, abs=1e-9
    )
    assert krippendorff_alpha(with_none, "nominal") == pytest.approx(
        krippendorff.alpha(reliability_data=labels, level_of_measurement="nominal"), abs=1e-9
    )


def test_coincidence_matrix_equals_package_construction() -> None:
    data = _random_data(5, coders=6, units=150, n_values=40, missing=0.3)
    matrix, values = coincidence_matrix(data)
    counts = (data.T[..., None] == values[None, None, :]).sum(axis=1)
    np.testing.assert_allclose(matrix, krippendorff.krippendorff._coincidences(counts), atol=1e-12)


@pytest.mark.parametrize("level", LEVELS)
def test_shards_merge_exactly(level: str) -> None:
    data = _random_data(11, coders=5, units=300, n_values=7, missing=0.2)
    shards = [data[:, :90], data[:, 90:200], data[:, 200:]]
    merged = merge_coincidences(coincidence_matrix(shard) for shard in shards)
    whole = krippendorff_alpha(data, level)
    assert alpha_from_coincidences(merged, level=level) == pytest.approx(whole, abs=1e-12)
    matrix, values = merged
    assert alpha_from_coincidences(matrix, values, level) == pytest.approx(whole, abs=1e-12)


def test_shards_with_shared_domain_add_as_plain_arrays() -> None:
    data = _random_data(12, coders=3, units=100, n_values=5, missing=0.1)
    domain = [1.0, 2.0, 3.0, 4.0, 5.0]
    first = coincidence_matrix(data[:, :50], value_domain=domain)
    second = coincidence_matrix(data[:, 50:], value_domain=domain)
    total = first.matrix + second.matrix
    assert alpha_from_coincidences(total, domain, "ordinal") == pytest.approx(
        krippendorff_alpha(data, "ordinal"), abs=1e-12
    )


def test_long_form_equals_wide_form() -> None:
    data = _random_data(13, coders=4, units=70, n_values=5, missing=0.3)
    coder, unit = np.nonzero(~np.isnan(data))
    long_form = coincidence_matrix_from_long(unit, data[coder, unit])
    wide = coincidence_matrix(data)
    np.testing.assert_allclose(long_form.matrix, wide.matrix, atol=1e-12)
    np.testing.assert_array_equal(long_form.values, wide.values)
