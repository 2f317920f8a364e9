"""Hypothesis properties of the planning model: monotonicity, zero defects, waterfall, JSON."""

import itertools
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.cost import plan_costs, summarize, waterfall

money = st.floats(min_value=0.0, max_value=1e3, allow_nan=False)
share = st.floats(min_value=0.0, max_value=1.0)
rate = st.floats(min_value=0.0, max_value=0.95)


@st.composite
def segment_rows(draw: st.DrawFn) -> dict:
    unit = draw(st.sampled_from(["label", "object", "hour"]))
    reviewer_unit = draw(st.sampled_from([None, "label", "object", "hour"]))
    return {
        "n_items": draw(st.floats(min_value=0.0, max_value=1e6)),
        "rate_unit": unit,
        "rate_amount": draw(money),
        "objects_per_item": draw(st.floats(min_value=0.0, max_value=200.0)),
        "annotation_hours_per_item": draw(st.floats(min_value=0.0, max_value=2.0)),
        "defect_rate": draw(rate),
        "correction_error_rate": draw(rate),
        "review_share": draw(share),
        "review_recall": draw(share),
        "reviewer_rate_unit": reviewer_unit,
        "reviewer_rate_amount": None if reviewer_unit is None else draw(money),
        "review_hours_per_item": draw(st.floats(min_value=0.0, max_value=1.0)),
        "max_cycles": draw(st.one_of(st.none(), st.integers(min_value=0, max_value=10))),
        "correction_effort": draw(st.floats(min_value=0.0, max_value=2.0)),
        "engineering_cost_per_batch": draw(money),
        "batch_size": draw(st.floats(min_value=1.0, max_value=1e4)),
        "remediation_cost_per_escape": draw(money),
    }


def total(row: dict) -> float:
    return float(plan_costs(pd.DataFrame([row]))["total_cost"].sum())


def no_worse(lower: float, higher: float) -> bool:
    return higher >= lower - 1e-9 * max(1.0, abs(lower))


@settings(max_examples=60, deadline=None)
@given(segment_rows(), rate, rate, st.sampled_from(["defect_rate", "correction_error_rate"]))
def test_total_is_non_decreasing_in_each_defect_rate(
    row: dict, first: float, second: float, field: str
) -> None:
    low, high = sorted((first, second))
    assert no_worse(total({**row, field: low}), total({**row, field: high}))


@settings(max_examples=60, deadline=None)
@given(
    segment_rows(),
    money,
    money,
    st.sampled_from(
        [
            "rate_amount",
            "reviewer_rate_amount",
            "engineering_cost_per_batch",
            "remediation_cost_per_escape",
        ]
    ),
)
def test_total_is_non_decreasing_in_each_rate(
    row: dict, first: float, second: float, field: str
) -> None:
    low, high = sorted((first, second))
    if field == "reviewer_rate_amount" and row["reviewer_rate_unit"] is None:
        row = {**row, "reviewer_rate_unit": "label"}
    assert no_worse(total({**row, field: low}), total({**row, field: high}))


@settings(max_examples=60, deadline=None)
@given(segment_rows())
def test_zero_defects_mean_zero_rework_and_no_escapes(row: dict) -> None:
    costs = plan_costs(pd.DataFrame([{**row, "defect_rate": 0.0}]))
    assert costs["rework_cost"].iloc[0] == 0.0
    assert costs["corrections"].iloc[0] == 0.0
    assert costs["escaped_defects"].iloc[0] == 0.0
    assert costs["remediation_cost"].iloc[0] == 0.0


@settings(max_examples=40, deadline=None)
@given(st.lists(segment_rows(), min_size=1, max_size=6))
def test_waterfall_steps_sum_to_the_total(rows: list[dict]) -> None:
    costs = plan_costs(pd.DataFrame(rows))
    steps = waterfall(costs)
    assert [s["step"] for s in steps] == [
        "direct",
        "review",
        "rework",
        "engineering",
        "remediation",
        "total",
    ]
    expected_total = float(costs["total_cost"].sum())
    components = sum(s["amount"] for s in steps[:-1])
    assert components == pytest.approx(expected_total, rel=1e-9, abs=1e-9)
    assert steps[-1]["amount"] == pytest.approx(expected_total, rel=1e-12, abs=1e-12)
    assert steps[-2]["end"] == pytest.approx(expected_total, rel=1e-9, abs=1e-9)
    for before, after in itertools.pairwise(steps[:-1]):
        assert after["start"] == before["end"]
    json.dumps(steps, allow_nan=False)
    json.dumps(summarize(costs), allow_nan=False)
