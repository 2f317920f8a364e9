"""Planning model: hand-computed programs, defaults, validation of the segments frame."""

import pandas as pd
import pytest

from labelqc.cost import (
    CostInputError,
    Rate,
    RateCard,
    Segment,
    plan_costs,
    segment_from_card,
    segments_frame,
    summarize,
)
from labelqc.cost.defaults import CROWD_QA_SHARE_OF_DIRECT


def test_hand_computed_program_with_every_component() -> None:
    segment = Segment(
        n_items=1000,
        rate=Rate("object", 0.05),
        objects_per_item=10,
        defect_rate=0.08,
        correction_error_rate=0.1,
        review_share=0.25,
        reviewer_rate=Rate("hour", 20.0),
        review_hours_per_item=0.01,
        correction_effort=0.5,
        engineering_cost_per_batch=300.0,
        batch_size=500,
        remediation_cost_per_escape=2.0,
        class_id=1,
        cohort_id=7,
        vendor="crowd",
    )
    costs = plan_costs([segment])
    row = costs.iloc[0]
    # direct per item p = 0.05 x 10 objects = 0.50; direct = 1000 x 0.50 = 500
    assert row["direct_cost"] == pytest.approx(500.0)
    # one review pass q = 0.01 h x 20/h = 0.20; review = 1000 x 0.25 x 0.20 = 50
    assert row["review_cost"] == pytest.approx(50.0)
    # caught share c = 0.25 x recall 1; round 1 = 1000 x 0.08 x 0.25 = 20; rho = 0.1
    # corrections = 20 / (1 - 0.1) = 22.22...; each = 0.5 x 0.50 fix + 0.20 re-review = 0.45
    assert row["corrections"] == pytest.approx(200.0 / 9.0)
    assert row["rework_cost"] == pytest.approx(10.0)
    # engineering = 1000 / 500 batches x 300 = 600
    assert row["engineering_cost"] == pytest.approx(600.0)
    # escapes = 1000 x 0.08 x (1 - 0.25) = 60 (re-review catches every wrong correction)
    assert row["escaped_defects"] == pytest.approx(60.0)
    assert row["remediation_cost"] == pytest.approx(120.0)
    # total = 500 + 50 + 10 + 600 + 120 = 1280 over 1000 accepted labels
    assert row["total_cost"] == pytest.approx(1280.0)
    assert row["accepted_labels"] == 1000
    assert (row["class_id"], row["cohort_id"], row["vendor"]) == (1, 7, "crowd")
    summary = summarize(costs)[0]
    assert summary["cost_per_accepted_label"] == pytest.approx(1.28)
    assert summary["uplift_over_direct"] == pytest.approx(1.56)


def test_hand_computed_truncated_program_with_defaults() -> None:
    frame = pd.DataFrame(
        {
            "n_items": [100],
            "rate_unit": ["label"],
            "rate_amount": [1.0],
            "defect_rate": [0.2],
            "correction_error_rate": [0.5],
            "review_share": [1.0],
            "review_recall": [0.5],
            "max_cycles": [2],
            "remediation_cost_per_escape": [4.0],
        }
    )
    row = plan_costs(frame).iloc[0]
    # p = 1.00; no reviewer rate -> q = 0.4 x 1.00 = 0.40; review = 100 x 1.0 x 0.40 = 40
    assert row["direct_cost"] == pytest.approx(100.0)
    assert row["review_cost"] == pytest.approx(40.0)
    # c = 1.0 x 0.5; rho = 0.5 x 0.5; rounds 100 x 0.2 x 0.5 = 10 and 2.5 -> 12.5 corrections,
    # each 1.0 x 1.00 fix (default effort) + 0.40 re-review = 1.40 -> 17.5
    assert row["corrections"] == pytest.approx(12.5)
    assert row["rework_cost"] == pytest.approx(17.5)
    # escapes = 20 x 0.5 + 0.5 x 0.5 x 12.5 + 10 x 0.25^2 = 10 + 3.125 + 0.625 = 13.75
    assert row["escaped_defects"] == pytest.approx(13.75)
    assert row["remediation_cost"] == pytest.approx(55.0)
    assert row["engineering_cost"] == 0.0
    assert row["total_cost"] == pytest.approx(212.5)


def test_seed_example_through_the_planning_model() -> None:
    # Full review, perfect recall, two correction cycles: 10,000 + 500 corrections.
    segment = Segment(
        n_items=200_000, rate=Rate("label", 0.5), defect_rate=0.05, review_share=1.0, max_cycles=2
    )
    assert plan_costs([segment]).iloc[0]["corrections"] == pytest.approx(10_500)


def test_default_review_cost_sits_in_the_seed_range_for_crowd_work() -> None:
    segment = Segment(n_items=10_000, rate=Rate("object", 0.04), objects_per_item=12, defect_rate=0)
    row = plan_costs([segment]).iloc[0]
    share = row["review_cost"] / row["direct_cost"]
    low, high = CROWD_QA_SHARE_OF_DIRECT
    assert low <= share <= high
    assert share == pytest.approx(0.20)


def test_hourly_rates_use_time_spent() -> None:
    # 50 items x 0.1 h x 30/h = 150 direct; review 0.5 x 50 x (0.02 h x 40/h = 0.8) = 20
    segment = Segment(
        n_items=50,
        rate=Rate("hour", 30.0),
        annotation_hours_per_item=0.1,
        defect_rate=0.0,
        reviewer_rate=Rate("hour", 40.0),
        review_hours_per_item=0.02,
    )
    row = plan_costs([segment]).iloc[0]
    assert row["direct_cost"] == pytest.approx(150.0)
    assert row["review_cost"] == pytest.approx(20.0)


def test_dense_frames_cost_more_at_a_per_object_rate() -> None:
    dense = Segment(n_items=100, rate=Rate("object", 0.05), objects_per_item=40, defect_rate=0.05)
    sparse = Segment(n_items=100, rate=Rate("object", 0.05), objects_per_item=3, defect_rate=0.05)
    costs = plan_costs([dense, sparse])
    assert costs["direct_cost"].tolist() == pytest.approx([200.0, 15.0])
    assert costs["total_cost"].iloc[0] > 10 * costs["total_cost"].iloc[1]


def test_key_columns_pass_through_and_index_is_kept() -> None:
    frame = segments_frame(
        [
            Segment(n_items=10, rate=Rate("label", 1.0), defect_rate=0.1, vendor="a", period="Q1"),
            Segment(n_items=20, rate=Rate("label", 2.0), defect_rate=0.1, vendor="b", period="Q2"),
        ]
    ).assign(program="p1")
    frame.index = ["x", "y"]
    costs = plan_costs(frame)
    assert list(costs.index) == ["x", "y"]
    assert costs["program"].tolist() == ["p1", "p1"]
    assert costs["vendor"].tolist() == ["a", "b"]


def test_empty_segments_give_an_empty_cost_frame() -> None:
    frame = pd.DataFrame(
        {"n_items": [], "rate_unit": [], "rate_amount": [], "defect_rate": []}
    ).astype({"rate_unit": object})
    costs = plan_costs(frame)
    assert len(costs) == 0
    assert summarize(costs)[0]["cost_per_accepted_label"] is None


BASE = {"n_items": 100, "rate_unit": "label", "rate_amount": 1.0, "defect_rate": 0.05}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"n_items": -1}, "n_items"),
        ({"rate_amount": -0.5}, "rate_amount"),
        ({"rate_unit": "pixel"}, "rate_unit"),
        ({"defect_rate": 1.0}, "defect_rate"),
        ({"defect_rate": -0.1}, "defect_rate"),
        ({"correction_error_rate": 1.2}, "correction_error_rate"),
        ({"review_share": 1.5}, "review_share"),
        ({"review_recall": -0.1}, "review_recall"),
        ({"reviewer_rate_amount": -1.0, "reviewer_rate_unit": "label"}, "reviewer_rate_amount"),
        ({"reviewer_rate_unit": "hour"}, "reviewer_rate_amount"),
        ({"reviewer_rate_amount": 1.0, "reviewer_rate_unit": "day"}, "reviewer_rate_unit"),
        ({"reviewer_rate_amount": 20.0, "reviewer_rate_unit": "hour"}, "review_hours_per_item"),
        ({"rate_unit": "object"}, "objects_per_item"),
        ({"rate_unit": "hour"}, "annotation_hours_per_item"),
        ({"objects_per_item": -3}, "objects_per_item"),
        ({"max_cycles": 2.5}, "max_cycles"),
        ({"max_cycles": -1}, "max_cycles"),
        ({"correction_effort": -0.1}, "correction_effort"),
        ({"engineering_cost_per_batch": -1}, "engineering_cost_per_batch"),
        ({"batch_size": 0}, "batch_size"),
        ({"remediation_cost_per_escape": -2}, "remediation_cost_per_escape"),
        ({"rate_amount": "cheap"}, "rate_amount"),
    ],
)
def test_invalid_segment_inputs_name_the_field_and_record(override: dict, field: str) -> None:
    good = dict(BASE)
    frame = pd.DataFrame([good, {**good, **override}], index=["ok", "bad"])
    with pytest.raises(CostInputError, match=field) as caught:
        plan_costs(frame)
    assert caught.value.field == field
    if caught.value.record is not None:
        assert caught.value.record == "bad"


@pytest.mark.parametrize("missing", ["n_items", "rate_unit", "rate_amount", "defect_rate"])
def test_missing_required_column_is_named(missing: str) -> None:
    frame = pd.DataFrame([BASE]).drop(columns=missing)
    with pytest.raises(CostInputError, match=missing):
        plan_costs(frame)


def test_segment_dataclass_validates_on_construction() -> None:
    with pytest.raises(CostInputError, match="correction_error_rate") as caught:
        Segment(n_items=10, rate=Rate("label", 1.0), defect_rate=0.1, correction_error_rate=1.0)
    assert caught.value.record is None
    with pytest.raises(CostInputError, match="rate"):
        Segment(n_items=10, rate=1.0, defect_rate=0.1)  # type: ignore[arg-type]


def test_segment_priced_from_a_rate_card() -> None:
    card = RateCard(
        "managed",
        Rate("object", 0.10),
        Rate("label", 0.05),
        cohort_id=3,
        correction_effort=0.5,
        engineering_cost_per_batch=50.0,
        batch_size=100,
        remediation_cost_per_escape=10.0,
    )
    segment = segment_from_card(
        card, n_items=200, defect_rate=0.1, objects_per_item=5, review_share=1.0, class_id=4
    )
    row = plan_costs([segment]).iloc[0]
    # p = 0.10 x 5 = 0.50 -> direct 100; review 200 x 1.0 x 0.05 = 10
    # corrections 200 x 0.1 / (1 - 0.1) = 22.22 at 0.5 x 0.50 + 0.05 = 0.30 -> 6.67
    # engineering 200 / 100 x 50 = 100; no escapes with full review
    assert row["direct_cost"] == pytest.approx(100.0)
    assert row["review_cost"] == pytest.approx(10.0)
    assert row["rework_cost"] == pytest.approx(200 * 0.1 / 0.9 * 0.30)
    assert row["engineering_cost"] == pytest.approx(100.0)
    assert row["remediation_cost"] == pytest.approx(0.0)
    assert (row["vendor"], row["cohort_id"], row["class_id"]) == ("managed", 3, 4)
    with pytest.raises(CostInputError, match="card"):
        segment_from_card("managed", n_items=1, defect_rate=0.1)  # type: ignore[arg-type]
