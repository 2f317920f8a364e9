"""Actual cost to date from a work log: a hand-computed log, card resolution, validation."""

import json

import numpy as np
import pandas as pd
import pytest

from labelqc.cost import CostInputError, Rate, RateCard, actual_costs, summarize, waterfall

CARDS = [
    # Default card of vendor "acme": 0.10 per object, reviewers at 36 per hour (0.01 per second).
    RateCard(
        "acme",
        Rate("object", 0.10),
        Rate("hour", 36.0),
        correction_effort=0.5,
        engineering_cost_per_batch=100.0,
        batch_size=50,
        remediation_cost_per_escape=3.0,
    ),
    # Cohort 2 of acme has its own card: 1.00 per label, no reviewer rate (default ratio 0.4).
    RateCard("acme", Rate("label", 1.0), cohort_id=2),
]


def worklog() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": [1, 2, 3, 4, 5, 6],
            "class_id": [0, 0, 0, 0, 1, 2],
            "cohort_id": [1, 1, 1, 1, 2, 2],
            "vendor": ["acme"] * 6,
            "review_decision": [
                "approved",
                "edited",
                "rejected",
                "unreviewed",
                "pending",
                "unreviewed",
            ],
            "rework_cycles": [0, 2, 0, 0, 1, 0],
            "n_objects": [5, 10, 4, 8, 3, 3],
            "review_seconds": [60.0, 90.0, 30.0, 0.0, 0.0, 0.0],
            "completed_at": pd.to_datetime(
                [
                    "2024-01-01",
                    "2024-01-02",
                    "2024-01-03",
                    "2024-01-08",
                    "2024-01-09",
                    "2024-01-10",
                ],
                utc=True,
            ),
        }
    )


def test_hand_computed_work_log() -> None:
    costs = actual_costs(worklog(), CARDS)
    # Row 1: 5 x 0.10 = 0.50 direct, 60 s x 0.01 = 0.60 review, 100 / 50 = 2 engineering -> 3.10
    # Row 2: 1.00 direct; 3 review passes, 90 s -> 0.90: first 0.30, re-reviews 0.60;
    #        fixes 2 x 0.5 x 1.00 = 1.00 -> rework 1.60; engineering 2 -> 4.90
    # Row 3: rejected: 0.40 + 0.30 + 2 = 2.70, never accepted
    # Row 4: unreviewed: 0.80 + 2; defect rate of (class 0, cohort 1) among reviewed rows 1-3:
    #        rows 2 (reworked) and 3 (rejected) -> 2/3 escaped x 3.00 = 2.00 -> 4.80
    # Row 5: cohort-2 card: 1.00; pending after 1 cycle = 1 review pass at 0.4 x 1.00 = 0.40;
    #        fix 1 x 1.0 x 1.00 = 1.00 -> 2.40, not accepted yet
    # Row 6: 1.00; class 2 has no reviewed rows -> pooled rate 3/4 (rows 2, 3, 5 of 1, 2, 3, 5),
    #        remediation cost of the cohort-2 card is 0 -> 1.00
    np.testing.assert_allclose(costs["direct_cost"], [0.5, 1.0, 0.4, 0.8, 1.0, 1.0])
    np.testing.assert_allclose(costs["review_cost"], [0.6, 0.3, 0.3, 0.0, 0.4, 0.0])
    np.testing.assert_allclose(costs["rework_cost"], [0.0, 1.6, 0.0, 0.0, 1.0, 0.0])
    np.testing.assert_allclose(costs["engineering_cost"], [2.0, 2.0, 2.0, 2.0, 0.0, 0.0])
    np.testing.assert_allclose(costs["escaped_defects"], [0, 0, 0, 2 / 3, 0, 0.75])
    np.testing.assert_allclose(costs["remediation_cost"], [0, 0, 0, 2.0, 0, 0])
    np.testing.assert_allclose(costs["total_cost"], [3.1, 4.9, 2.7, 4.8, 2.4, 1.0])
    assert costs["accepted_labels"].tolist() == [1, 1, 0, 1, 0, 1]
    assert costs["defect_rate_source"].iloc[5] == "pooled"
    assert costs["defect_rate_source"].iloc[3] == "group"
    assert costs["period"].tolist() == ["2024-01-01"] * 3 + ["2024-01-08"] * 3
    summary = summarize(costs)[0]
    # 18.90 over 4 accepted labels
    assert summary["total_cost"] == pytest.approx(18.9)
    assert summary["cost_per_accepted_label"] == pytest.approx(4.725)
    steps = waterfall(costs)
    assert [s["amount"] for s in steps] == pytest.approx([4.7, 1.6, 2.6, 8.0, 2.0, 18.9])
    json.dumps(summarize(costs, ["vendor", "period"]), allow_nan=False)


def test_batch_ids_split_engineering_over_the_batch_rows() -> None:
    log = worklog().assign(batch_id=[7, 7, 7, 7, 8, 8])
    costs = actual_costs(log, CARDS)
    # batch 7 (acme default card): 100 / 4 rows; batch 8 rows use the cohort-2 card (0 per batch)
    np.testing.assert_allclose(costs["engineering_cost"], [25, 25, 25, 25, 0, 0])


def test_hourly_annotation_uses_time_and_rework_seconds() -> None:
    cards = [RateCard("studio", Rate("hour", 30.0), Rate("label", 0.25))]
    log = (
        worklog()
        .iloc[:2]
        .assign(vendor="studio", annotation_seconds=[120.0, 240.0], rework_seconds=[0.0, 60.0])
    )
    costs = actual_costs(log, cards)
    # direct 30/h x 2 min = 1.00 and x 4 min = 2.00; reviews 0.25 per pass (1 and 3 passes)
    # row 2 rework: 60 s x 30/h = 0.50 fix + 2 re-reviews x 0.25 = 1.00
    np.testing.assert_allclose(costs["direct_cost"], [1.0, 2.0])
    np.testing.assert_allclose(costs["review_cost"], [0.25, 0.25])
    np.testing.assert_allclose(costs["rework_cost"], [0.0, 1.0])


def test_no_reviews_at_all_means_no_escape_estimate() -> None:
    log = worklog().assign(review_decision="unreviewed", rework_cycles=0)
    costs = actual_costs(log, CARDS)
    assert (costs["escaped_defects"] == 0).all()
    assert set(costs["defect_rate_source"]) == {"none"}


def test_naive_timestamps_are_taken_as_utc_and_periods_follow_freq() -> None:
    log = worklog().assign(completed_at=worklog()["completed_at"].dt.tz_localize(None))
    costs = actual_costs(log, CARDS, period="M")
    assert set(costs["period"]) == {"2024-01-01"}
    assert str(costs["completed_at"].dt.tz) == "UTC"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"review_decision": "maybe"}, "review_decision"),
        ({"rework_cycles": -1}, "rework_cycles"),
        ({"rework_cycles": 1.5}, "rework_cycles"),
        ({"n_objects": -2}, "n_objects"),
        ({"n_objects": None}, "n_objects"),
        ({"review_seconds": None}, "review_seconds"),
        ({"completed_at": None}, "completed_at"),
        ({"vendor": "nobody"}, "vendor"),
        ({"class_id": None}, "class_id"),
    ],
)
def test_invalid_rows_name_field_and_record(change: dict, field: str) -> None:
    log = worklog()
    column, value = next(iter(change.items()))
    log[column] = log[column].astype(object)
    log.loc[1, column] = value
    with pytest.raises(CostInputError, match=field) as caught:
        actual_costs(log, CARDS)
    assert caught.value.field == field
    assert caught.value.record == 1


def test_rework_on_an_unreviewed_row_is_an_error() -> None:
    log = worklog()
    log.loc[3, "rework_cycles"] = 1
    with pytest.raises(CostInputError, match="rework_cycles") as caught:
        actual_costs(log, CARDS)
    assert caught.value.record == 3


def test_missing_columns_and_bad_cards_are_named() -> None:
    with pytest.raises(CostInputError, match="completed_at"):
        actual_costs(worklog().drop(columns="completed_at"), CARDS)
    with pytest.raises(CostInputError, match="n_objects"):
        actual_costs(worklog().drop(columns="n_objects"), CARDS)
    with pytest.raises(CostInputError, match="rate_cards"):
        actual_costs(worklog(), [*CARDS, RateCard("acme", Rate("label", 2.0), cohort_id=2)])
    with pytest.raises(CostInputError, match="rate_cards"):
        actual_costs(worklog(), [])
    with pytest.raises(CostInputError, match="accepted_decisions"):
        actual_costs(worklog(), CARDS, accepted_decisions=("fine",))
    with pytest.raises(CostInputError, match="period"):
        actual_costs(worklog(), CARDS, period="fortnightly")
