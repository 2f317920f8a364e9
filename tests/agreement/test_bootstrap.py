"""Bootstrap intervals equal a naive resample-and-recompute loop with the same draws."""

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from labelqc.agreement import cohen_kappa_result, fleiss_kappa_result, krippendorff_alpha_result


def _draws(seed: int, n_boot: int, n_units: int) -> np.ndarray:
    # Same generator calls as labelqc.agreement.bootstrap for a single chunk.
    return np.random.default_rng(seed).integers(0, n_units, size=(n_boot, n_units))


def _percentiles(values: list[float], confidence: float) -> tuple[float, float]:
    defined = np.array([v for v in values if not np.isnan(v)])
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return float(low), float(high)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_interval_matches_naive_loop(level: str) -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, size=60)
    data = np.where(rng.random((4, 60)) < 0.8, truth, rng.integers(1, 6, (4, 60))).astype(float)
    data[rng.random(data.shape) < 0.3] = np.nan
    data[:, 5] = np.nan  # an unpairable unit, left out of the resampling
    data[0, 6] = 3.0
    data[1:, 6] = np.nan
    result = krippendorff_alpha_result(data, level, n_boot=200, seed=42, confidence=0.9)
    pairable = np.flatnonzero((~np.isnan(data)).sum(axis=0) >= 2)
    assert result.n_units == pairable.size
    naive = [
        krippendorff.alpha(reliability_data=data[:, pairable[draw]], level_of_measurement=level)
        for draw in _draws(42, 200, pairable.size)
    ]
    low, high = _percentiles(naive, 0.9)
    assert result.ci_low == pytest.approx(low, abs=1e-9)
    assert result.ci_high == pytest.approx(high, abs=1e-9)
    assert result.ci_low <= result.value <= result.ci_high
    assert result.n_boot == result.n_boot_defined == 200


@pytest.mark.parametrize("weights", [None, "quadratic"])
def test_cohen_interval_matches_naive_loop(weights: str | None) -> None:
    rng = np.random.default_rng(1)
    first = rng.integers(0, 4, size=80)
    second = np.where(rng.random(80) < 0.7, first, rng.integers(0, 4, size=80))
    result = cohen_kappa_result(first, second, weights, n_boot=150, seed=3)
    naive = [
        cohen_kappa_score(first[draw], second[draw], weights=weights) for draw in _draws(3, 150, 80)
    ]
    low, high = _percentiles(naive, 0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_fleiss_interval_matches_naive_loop() -> None:
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 3, size=50)
    ratings = np.where(rng.random((50, 5)) < 0.7, truth[:, None], rng.integers(0, 3, (50, 5)))
    table = np.stack([(ratings == c).sum(axis=1) for c in range(3)], axis=1)
    result = fleiss_kappa_result(table, n_boot=120, seed=5)
    naive = [sm_fleiss_kappa(table[draw]) for draw in _draws(5, 120, 50)]
    low, high = _percentiles(naive, 0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), abs=1e-9)


def test_bootstrap_is_deterministic_and_seed_dependent() -> None:
    data = np.random.default_rng(4).integers(1, 4, size=(3, 40)).astype(float)
    first = krippendorff_alpha_result(data, n_boot=100, seed=7)
    again = krippendorff_alpha_result(data, n_boot=100, seed=7)
    other = krippendorff_alpha_result(data, n_boot=100, seed=8)
    assert first == again
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)


def test_no_bootstrap_by_default() -> None:
    data = np.array([[1.0, 2.0, 3.0, np.nan], [1.0, 2.0, 2.0, 4.0]])
    result = krippendorff_alpha_result(data, "ordinal")
    assert result.ci_low is None and result.n_boot == 0 and result.confidence is None
    assert result.n_units == 3 and result.n_coders == 2
    with_interval = krippendorff_alpha_result(data, "ordinal", n_boot=50)
    assert result.value == pytest.approx(with_interval.value, abs=1e-12)
    assert with_interval.n_units == 3
