"""Tabular CUSUM against Montgomery's worked example and a hand-worked lower side."""

import pytest

from labelqc.drift import ChartInputError, cusum_chart

MONTGOMERY_9_1 = [
    9.45,
    7.99,
    9.29,
    11.66,
    12.16,
    10.18,
    8.04,
    11.46,
    9.20,
    10.34,
    9.03,
    11.47,
    10.51,
    9.40,
    10.08,
    9.37,
    10.62,
    10.31,
    8.52,
    10.84,
    10.90,
    9.33,
    12.29,
    11.50,
    10.60,
    11.08,
    10.38,
    11.62,
    11.31,
    10.52,
]
# Montgomery Table 9.2 (K = 0.5, H = 5, mu0 = 10, sigma = 1): C+_i = max(0, x_i - 10.5 + C+_{i-1}),
# worked by hand; period 29 is the first with C+ > 5.
MONTGOMERY_C_PLUS = [
    0,
    0,
    0,
    1.16,
    2.82,
    2.50,
    0.04,
    1.00,
    0,
    0,
    0,
    0.97,
    0.98,
    0,
    0,
    0,
    0.12,
    0,
    0,
    0.34,
    0.74,
    0,
    1.79,
    2.79,
    2.89,
    3.47,
    3.35,
    4.47,
    5.28,
    5.30,
]


def test_montgomery_upper_cusum() -> None:
    chart = cusum_chart(MONTGOMERY_9_1, target=10.0, sigma=1.0, k=0.5, h=5.0)
    assert chart.upper.tolist() == pytest.approx(MONTGOMERY_C_PLUS, abs=1e-9)
    assert chart.signal_upper.nonzero()[0].tolist() == [28, 29]  # periods 29 and 30
    assert not chart.signal_lower.any()


def test_lower_side_hand_worked() -> None:
    # target 0, sigma 1, k 0.5: C-_i = max(0, -x_i - 0.5 + C-_{i-1})
    values = [-1.0, -2.0, 0.5, -3.0, 2.0]
    chart = cusum_chart(values, target=0.0, sigma=1.0, k=0.5, h=4.0)
    # 0.5, 0.5+1.5=2.0, 2.0-1.0=1.0, 1.0+2.5=3.5, 3.5-2.5=1.0
    assert chart.lower.tolist() == pytest.approx([0.5, 2.0, 1.0, 3.5, 1.0])
    # upper: 0, 0, 0, 0, 1.5
    assert chart.upper.tolist() == pytest.approx([0, 0, 0, 0, 1.5])
    assert not chart.signal.any()
    tighter = cusum_chart(values, target=0.0, sigma=1.0, k=0.5, h=3.0)
    assert tighter.signal_lower.tolist() == [False, False, False, True, False]


def test_sigma_units_and_sample_sizes() -> None:
    # In sigma units the chart of x is the chart of (x - mu) / sigma.
    values = [12.0, 14.0, 8.0]
    scaled = cusum_chart(values, target=10.0, sigma=2.0)
    unit = cusum_chart([1.0, 2.0, -1.0], target=0.0, sigma=1.0)
    assert scaled.upper.tolist() == pytest.approx(unit.upper.tolist())
    assert scaled.lower.tolist() == pytest.approx(unit.lower.tolist())
    # A mean of n = 4 observations is standardized by sigma / 2.
    means = cusum_chart([11.0], target=10.0, sigma=2.0, sample_sizes=[4])
    assert means.upper[0] == pytest.approx(1.0 - 0.5)


def test_bad_input() -> None:
    with pytest.raises(ChartInputError, match="h"):
        cusum_chart([1.0], target=0, sigma=1, h=0)
    with pytest.raises(ChartInputError, match="sample_sizes"):
        cusum_chart([1.0, 2.0], target=0, sigma=1, sample_sizes=[1])
