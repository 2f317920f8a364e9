"""Rate and RateCard validation, and vectorized unit costs."""

import numpy as np
import pytest

from labelqc.cost import CostInputError, Rate, RateCard, unit_cost


def test_rate_keeps_unit_and_amount_as_float() -> None:
    rate = Rate("object", 3)
    assert rate.unit == "object"
    assert rate.amount == 3.0
    assert isinstance(rate.amount, float)


@pytest.mark.parametrize("amount", [-0.01, float("nan"), float("inf"), "1", True])
def test_rate_rejects_bad_amount_naming_the_field(amount: object) -> None:
    with pytest.raises(CostInputError, match="amount") as caught:
        Rate("label", amount)  # type: ignore[arg-type]
    assert caught.value.field == "amount"
    assert isinstance(caught.value, ValueError)


def test_rate_rejects_unknown_unit_naming_the_field() -> None:
    with pytest.raises(CostInputError, match="unit") as caught:
        Rate("image", 1.0)
    assert caught.value.field == "unit"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"correction_effort": -1.0}, "correction_effort"),
        ({"engineering_cost_per_batch": -5.0}, "engineering_cost_per_batch"),
        ({"remediation_cost_per_escape": -0.5}, "remediation_cost_per_escape"),
        ({"batch_size": 0.0}, "batch_size"),
        ({"cohort_id": "3"}, "cohort_id"),
        ({"vendor": ""}, "vendor"),
        ({"reviewer": 12.0}, "reviewer"),
    ],
)
def test_rate_card_rejects_bad_fields_by_name(kwargs: dict, field: str) -> None:
    arguments = {"vendor": "acme", "annotation": Rate("label", 1.0), **kwargs}
    with pytest.raises(CostInputError) as caught:
        RateCard(**arguments)
    assert caught.value.field == field


def test_unit_cost_per_label_object_and_hour() -> None:
    # label: 0.5 flat; object: 0.05 x 40 objects = 2.0; hour: 12 x 0.25 h = 3.0
    costs = unit_cost(
        np.array(["label", "object", "hour"]),
        np.array([0.5, 0.05, 12.0]),
        np.array([np.nan, 40.0, np.nan]),
        np.array([np.nan, np.nan, 0.25]),
    )
    np.testing.assert_allclose(costs, [0.5, 2.0, 3.0])


def test_dense_frame_costs_more_than_sparse_one_at_a_per_object_rate() -> None:
    # 40 objects x 0.05 = 2.00 per item against 3 x 0.05 = 0.15.
    costs = unit_cost(np.array(["object", "object"]), np.array([0.05, 0.05]), [40, 3], [0, 0])
    np.testing.assert_allclose(costs, [2.0, 0.15])
