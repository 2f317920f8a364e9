"""p-chart limits against hand computations and Montgomery's orange-juice example."""

import math

import numpy as np
import pytest

from labelqc.drift import ChartInputError, p_chart

# Montgomery, Introduction to Statistical Quality Control, Example 7.1 (Table 7.1): 30 samples of
# n = 50 frozen orange juice cans; number of nonconforming cans per sample.
ORANGE_JUICE_DEFECTS = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
]


def test_montgomery_orange_juice_limits_and_out_of_control_samples() -> None:
    chart = p_chart(ORANGE_JUICE_DEFECTS, [50] * 30)
    # Hand computation: p_bar = 347 / 1500 = 0.2313; sigma = sqrt(0.2313 * 0.7687 / 50).
    p_bar = 347 / 1500
    half = 3 * math.sqrt(p_bar * (1 - p_bar) / 50)
    assert chart.center == pytest.approx(p_bar)
    assert chart.ucl == pytest.approx([p_bar + half] * 30)
    assert chart.lcl == pytest.approx([p_bar - half] * 30)
    # The textbook's rounded limits: UCL 0.4102, LCL 0.0524.
    assert chart.ucl[0] == pytest.approx(0.4102, abs=1e-4)
    assert chart.lcl[0] == pytest.approx(0.0524, abs=1e-4)
    # Samples 15 (22/50 = 0.44) and 23 (24/50 = 0.48) plot above the UCL (1-based).
    assert (chart.out_of_control_samples + 1).tolist() == [15, 23]


def test_varying_sample_sizes_hand_computed() -> None:
    defects = [2, 9, 1]
    sizes = [20, 40, 10]
    chart = p_chart(defects, sizes)
    center = 12 / 70
    for i, n in enumerate(sizes):
        half = 3 * math.sqrt(center * (1 - center) / n)
        assert chart.ucl[i] == pytest.approx(min(center + half, 1.0))
        assert chart.lcl[i] == pytest.approx(max(center - half, 0.0))
    assert chart.proportion.tolist() == pytest.approx([0.1, 0.225, 0.1])
    # Small samples push the lower limit below zero: it is floored.
    assert chart.lcl[2] == 0.0


def test_upper_limit_is_capped_at_one_and_center_can_be_given() -> None:
    chart = p_chart([1, 4], [5, 5], center=0.7)
    half = 3 * math.sqrt(0.7 * 0.3 / 5)
    assert chart.center == 0.7
    assert chart.ucl.tolist() == [1.0, 1.0]
    assert chart.lcl == pytest.approx([0.7 - half] * 2)
    # LCL = 0.7 - 0.615 = 0.085, so 1/5 = 0.2 and 4/5 = 0.8 are both in control.
    assert chart.out_of_control.tolist() == [False, False]
    # With n = 50 the LCL rises to 0.506: zero defects out of 50 is out of control.
    low = p_chart([0, 4], [50, 5], center=0.7)
    assert low.out_of_control.tolist() == [True, False]


def test_baseline_sets_the_center() -> None:
    chart = p_chart([1, 1, 10], [10, 10, 10], baseline=2)
    assert chart.center == pytest.approx(0.1)
    assert chart.out_of_control.tolist() == [False, False, True]


def test_arrays_are_read_only() -> None:
    chart = p_chart([1, 2], [10, 10])
    with pytest.raises(ValueError):
        chart.ucl[0] = 0.5


@pytest.mark.parametrize(
    ("defects", "sizes", "field"),
    [
        ([1, 2], [10], "sample_sizes"),
        ([11], [10], "defects"),
        ([-1], [10], "defects"),
        ([1], [0], "sample_sizes"),
        ([], [], "defects"),
        ([np.nan], [10], "defects"),
    ],
)
def test_bad_input_names_the_field(defects: list[float], sizes: list[float], field: str) -> None:
    with pytest.raises(ChartInputError, match=field):
        p_chart(defects, sizes)
