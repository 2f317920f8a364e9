"""EWMA statistic and time-varying limits against the textbook formulas."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.drift import ChartInputError, ewma_chart

# Montgomery, Introduction to SQC, Table 9.1: 20 observations from N(10, 1) then 10 from N(11, 1).
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


def test_montgomery_example_first_values_and_limits() -> None:
    # Example 9.2: lambda = 0.1, L = 2.7, mu0 = 10, sigma = 1.
    chart = ewma_chart(MONTGOMERY_9_1, target=10.0, sigma=1.0, lam=0.1, sigma_multiple=2.7)
    assert chart.z[0] == pytest.approx(0.1 * 9.45 + 0.9 * 10.0)  # 9.945
    assert chart.z[1] == pytest.approx(0.1 * 7.99 + 0.9 * 9.945)  # 9.7495
    assert chart.ucl[0] == pytest.approx(10.27, abs=5e-3)
    assert chart.ucl[1] == pytest.approx(10.36, abs=5e-3)
    assert chart.lcl[0] == pytest.approx(9.73, abs=5e-3)
    # The limits approach the steady state mu0 +/- L sigma sqrt(lam / (2 - lam)).
    assert chart.ucl[-1] == pytest.approx(10 + 2.7 * math.sqrt(0.1 / 1.9), abs=1e-3)
    # The in-control part (first 20) never signals; the shifted part does.
    assert not chart.signal[:20].any()
    assert chart.signal[20:].any()


@settings(max_examples=50, deadline=None)
@given(
    lam=st.floats(0.05, 1.0),
    sigma_multiple=st.floats(1.0, 4.0),
    sigma=st.floats(0.01, 10.0),
    n=st.integers(1, 40),
)
def test_limits_follow_the_closed_form(
    lam: float, sigma_multiple: float, sigma: float, n: int
) -> None:
    values = np.zeros(n)
    chart = ewma_chart(values, target=0.0, sigma=sigma, lam=lam, sigma_multiple=sigma_multiple)
    i = np.arange(1, n + 1)
    expected = sigma_multiple * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    np.testing.assert_allclose(chart.ucl, expected, rtol=1e-9)
    np.testing.assert_allclose(chart.lcl, -expected, rtol=1e-9)


def test_recursion_by_hand_and_unequal_sample_sizes() -> None:
    values = [1.0, 3.0, 2.0]
    sizes = [4.0, 1.0, 9.0]
    chart = ewma_chart(values, target=2.0, sigma=2.0, sample_sizes=sizes, lam=0.5)
    z1 = 0.5 * 1.0 + 0.5 * 2.0
    z2 = 0.5 * 3.0 + 0.5 * z1
    z3 = 0.5 * 2.0 + 0.5 * z2
    assert chart.z.tolist() == pytest.approx([z1, z2, z3])
    # Var(z_i) = sum_j lam^2 (1 - lam)^(2 (i - j)) sigma^2 / n_j
    var1 = 0.25 * 4.0 / 4.0
    var2 = 0.25 * var1 + 0.25 * 4.0 / 1.0
    var3 = 0.25 * var2 + 0.25 * 4.0 / 9.0
    assert chart.ucl.tolist() == pytest.approx([2 + 3 * math.sqrt(v) for v in (var1, var2, var3)])


def test_target_and_sigma_from_a_baseline() -> None:
    values = [10.0, 12.0, 11.0, 30.0]
    chart = ewma_chart(values, baseline=3)
    assert chart.target == pytest.approx(11.0)
    assert chart.sigma == pytest.approx(1.0)  # sample sd of 10, 12, 11
    assert chart.signal.tolist() == [False, False, False, True]


def test_bad_input() -> None:
    with pytest.raises(ChartInputError, match="lam"):
        ewma_chart([1.0, 2.0], target=0, sigma=1, lam=0)
    with pytest.raises(ChartInputError, match="sigma"):
        ewma_chart([1.0, 1.0, 1.0])  # a flat baseline has no sigma
    with pytest.raises(ChartInputError, match="baseline"):
        ewma_chart([1.0, 2.0], baseline=5)
