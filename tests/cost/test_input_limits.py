"""Inputs beyond labelqc.cost.limits are refused with a CostInputError naming the field (and
record): within the limits no cost can overflow a float."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from labelqc.cost import (
    CostInputError,
    Rate,
    RateCard,
    forecast_to_finish,
    normalize_segments,
    plan_costs,
    summarize,
)
from labelqc.cost.limits import INPUT_LIMITS, MAX_ITEMS, MAX_RATE_AMOUNT

SEGMENT = {
    "n_items": 1000,
    "rate_unit": "object",
    "rate_amount": 0.3,
    "defect_rate": 0.05,
    "objects_per_item": 8,
    "reviewer_rate_unit": "hour",
    "reviewer_rate_amount": 20.0,
    "review_hours_per_item": 0.1,
}


def segments(**changes: object) -> pd.DataFrame:
    return pd.DataFrame([SEGMENT, {**SEGMENT, **changes}], index=["ok", "bad"])


@pytest.mark.parametrize("field", sorted(INPUT_LIMITS))
def test_a_segment_value_above_its_limit_is_refused(field: str) -> None:
    with pytest.raises(CostInputError) as caught:
        normalize_segments(segments(**{field: 1e308}))
    assert caught.value.field == field and caught.value.record == "bad"
    assert f"{INPUT_LIMITS[field]:g}]" in caught.value.reason


@pytest.mark.parametrize("field", sorted(INPUT_LIMITS))
def test_a_segment_value_at_its_limit_is_accepted(field: str) -> None:
    normalize_segments(segments(**{field: INPUT_LIMITS[field]}))


def test_the_largest_plan_within_the_limits_stays_finite() -> None:
    """Every input at its limit, the slowest-converging correction series, 500 segments."""
    worst = {
        **{field: limit for field, limit in INPUT_LIMITS.items()},
        "rate_unit": "object",
        "reviewer_rate_unit": "object",
        "defect_rate": math.nextafter(1.0, 0.0),
        "correction_error_rate": math.nextafter(1.0, 0.0),
        "review_share": 1.0,
        "review_recall": 1.0,
    }
    frame = pd.DataFrame([worst] * 500)
    normalize_segments(frame)  # within the limits
    total = summarize(plan_costs(frame))[0]["total_cost"]
    assert total is not None and math.isfinite(total) and total < 1e50


def test_a_tiny_batch_size_with_engineering_cost_is_refused() -> None:
    """n / batch_size x overhead overflows for a batch size near 0: the overhead per item
    (engineering_cost_per_batch / batch_size) is a price, at most 1e6."""
    with pytest.raises(CostInputError) as caught:
        normalize_segments(segments(batch_size=1e-300, engineering_cost_per_batch=100.0))
    assert caught.value.field == "batch_size" and caught.value.record == "bad"
    normalize_segments(segments(batch_size=1e-300, engineering_cost_per_batch=0.0))
    costs = plan_costs(segments(batch_size=5e-324, engineering_cost_per_batch=0.0))
    assert costs["engineering_cost"].tolist() == [0.0, 0.0]  # not inf x 0 = NaN


def test_plan_costs_prices_a_frame_beyond_the_limits() -> None:
    """Stored before the limits: priced, the overflowing total is inf (None in reports)."""
    costs = plan_costs(segments(rate_amount=1e308))
    assert math.isinf(costs.loc["bad", "total_cost"])
    normalize_segments(segments(rate_amount=1e308), check_limits=False)


def test_rates_and_cards_refuse_values_above_their_limits() -> None:
    with pytest.raises(CostInputError) as caught:
        Rate("label", 1e308)
    assert caught.value.field == "amount"
    assert Rate("label", MAX_RATE_AMOUNT).amount == MAX_RATE_AMOUNT
    label = Rate("label", 0.2)
    for field in ("correction_effort", "engineering_cost_per_batch", "remediation_cost_per_escape"):
        with pytest.raises(CostInputError) as caught:
            RateCard("Acme", label, **{field: 1e308})
        assert caught.value.field == field
    with pytest.raises(CostInputError) as caught:
        RateCard("Acme", label, batch_size=1e308)
    assert caught.value.field == "batch_size"
    with pytest.raises(CostInputError) as caught:
        RateCard("Acme", label, engineering_cost_per_batch=10.0, batch_size=1e-300)
    assert caught.value.field == "batch_size"


def test_forecast_refuses_more_remaining_items_than_the_limit() -> None:
    costs = pd.DataFrame(
        {"period": ["2026-03-02"], "total_cost": [1.0], "accepted_labels": [1.0], "n_items": [1.0]}
    )
    assert forecast_to_finish(costs, MAX_ITEMS)["forecast_to_finish"]["point"] == MAX_ITEMS
    with pytest.raises(CostInputError) as caught:
        forecast_to_finish(costs, 1e308)
    assert caught.value.field == "remaining_items"
