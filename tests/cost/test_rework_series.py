"""The rework geometric series: the seed example, closed vs truncated form, escapes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelqc.cost import CostInputError, correction_rounds, expected_corrections, rework_series


def test_seed_example_two_hundred_thousand_images() -> None:
    # DESIGN.md "Rework economics": 200,000 images x 5% defects = 10,000 corrections; a 5% error
    # rate in the correction round adds 200,000 x 0.05 x 0.05 = 500 more.
    rounds = correction_rounds(200_000, 0.05, 0.05, 3)
    assert rounds[0] == pytest.approx(10_000)
    assert rounds[1] == pytest.approx(500)
    assert rounds[2] == pytest.approx(25)
    assert expected_corrections(200_000, 0.05, 0.05, max_cycles=1) == pytest.approx(10_000)
    assert expected_corrections(200_000, 0.05, 0.05, max_cycles=2) == pytest.approx(10_500)
    # Closed form N d / (1 - d_r) = 10,000 / 0.95 = 10,526.3157...
    assert expected_corrections(200_000, 0.05, 0.05) == pytest.approx(10_000 / 0.95)


def test_truncated_sum_matches_the_listed_rounds() -> None:
    for cycles in range(6):
        listed = correction_rounds(1_000, 0.2, 0.3, cycles).sum()
        assert expected_corrections(1_000, 0.2, 0.3, max_cycles=cycles) == pytest.approx(listed)


def test_zero_cycles_means_no_corrections_and_every_caught_defect_escapes() -> None:
    series = rework_series(100.0, 0.1, 0.2, max_cycles=0)
    assert float(series.corrections) == 0.0
    assert float(series.escaped_defects) == pytest.approx(10.0)


def test_partial_review_and_recall_by_hand() -> None:
    # N = 100, d = 0.2, review share 0.5 x recall 0.5 -> c = 0.25; rho = d_r x r = 0.5 x 0.5.
    # Rounds: 100 x 0.2 x 0.25 = 5, then 5 x 0.25 = 1.25 (2 cycles) -> 6.25 corrections.
    # Escapes: first pass 20 x 0.75 = 15; missed wrong corrections 0.5 x 0.5 x 6.25 = 1.5625;
    # caught in round 2 but past the limit 5 x 0.25^2 = 0.3125 -> 16.875.
    series = rework_series(100.0, 0.2, 0.5, catch_rate=0.25, rereview_recall=0.5, max_cycles=2)
    assert float(series.corrections) == pytest.approx(6.25)
    assert float(series.escaped_defects) == pytest.approx(16.875)


def test_vectorized_over_rows() -> None:
    corrections = expected_corrections(
        np.array([100.0, 200.0]), np.array([0.1, 0.05]), np.array([0.0, 0.5]), None
    )
    np.testing.assert_allclose(corrections, [10.0, 20.0])


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ((100, -0.01, 0.1), "defect_rate"),
        ((100, 1.0, 0.1), "defect_rate"),
        ((100, 0.1, 1.0), "correction_error_rate"),
        ((100, 0.1, 1.5), "correction_error_rate"),
        ((100, 0.1, -0.1), "correction_error_rate"),
        ((-1, 0.1, 0.1), "n_items"),
        ((100, float("nan"), 0.1), "defect_rate"),
    ],
)
def test_invalid_series_inputs_name_the_field(arguments: tuple, field: str) -> None:
    with pytest.raises(CostInputError, match=field) as caught:
        expected_corrections(*arguments)
    assert caught.value.field == field


def test_non_convergent_series_message_says_so() -> None:
    with pytest.raises(CostInputError, match="cannot converge"):
        expected_corrections(100, 0.1, 1.0, max_cycles=3)


@pytest.mark.parametrize("cycles", [-1, 1.5, float("nan")])
def test_bad_max_cycles_is_named(cycles: float) -> None:
    with pytest.raises(CostInputError, match="max_cycles"):
        expected_corrections(100, 0.1, 0.1, max_cycles=cycles)


def test_bad_cycles_for_rounds_is_named() -> None:
    with pytest.raises(CostInputError, match="cycles"):
        correction_rounds(100, 0.1, 0.1, -2)


rates = st.floats(min_value=0.0, max_value=0.99)
shares = st.floats(min_value=0.0, max_value=1.0)
counts = st.floats(min_value=0.0, max_value=1e6)


@given(counts, rates, rates, shares, shares, st.integers(min_value=0, max_value=30))
def test_every_defect_is_fixed_or_escapes(
    n: float, d: float, d_r: float, catch: float, recall: float, cycles: int
) -> None:
    series = rework_series(n, d, d_r, catch_rate=catch, rereview_recall=recall, max_cycles=cycles)
    corrections, escaped = float(series.corrections), float(series.escaped_defects)
    made = n * d + d_r * corrections
    assert escaped == pytest.approx(made - corrections, rel=1e-9, abs=1e-6)
    assert escaped >= -1e-9


@given(counts, rates, rates, st.integers(min_value=0, max_value=40))
def test_truncated_series_grows_with_cycles_towards_the_closed_form(
    n: float, d: float, d_r: float, cycles: int
) -> None:
    shorter = expected_corrections(n, d, d_r, max_cycles=cycles)
    longer = expected_corrections(n, d, d_r, max_cycles=cycles + 1)
    closed = expected_corrections(n, d, d_r)
    assert shorter <= longer + 1e-9 * max(1.0, closed)
    assert longer <= closed * (1 + 1e-12) + 1e-9
    assert math.isclose(expected_corrections(n, d, d_r, max_cycles=10_000), closed, rel_tol=1e-9)
