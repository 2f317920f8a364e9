"""Summaries by class / cohort / vendor / period, cost per accepted label, JSON readiness."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from labelqc.cost import COST_FRAME_COLUMNS, CostInputError, json_ready, summarize, waterfall


def cost_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "class_id": [1, 1, 2, 2],
            "cohort_id": [10, 11, 10, 11],
            "vendor": ["crowd", "managed", "crowd", "managed"],
            "period": ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-08"],
            "direct_cost": [10.0, 20.0, 30.0, 40.0],
            "review_cost": [2.0, 3.0, 4.0, 5.0],
            "rework_cost": [1.0, 0.0, 2.0, 0.0],
            "engineering_cost": [0.5, 0.5, 0.5, 0.5],
            "remediation_cost": [3.0, 0.0, 1.0, 0.0],
            "accepted_labels": [5.0, 10.0, 0.0, 20.0],
            "corrections": [1.0, 0.0, 2.0, 0.0],
            "escaped_defects": [0.3, 0.0, 0.1, 0.0],
        }
    )
    components = ["direct_cost", "review_cost", "rework_cost", "engineering_cost"]
    frame["total_cost"] = frame[[*components, "remediation_cost"]].sum(axis=1)
    return frame


def test_summary_by_vendor_by_hand() -> None:
    records = summarize(cost_frame(), "vendor")
    assert [r["vendor"] for r in records] == ["crowd", "managed"]
    crowd = records[0]
    # crowd rows: totals 16.5 and 37.5 -> 54.0 over 5 accepted labels
    assert crowd["total_cost"] == pytest.approx(54.0)
    assert crowd["accepted_labels"] == 5.0
    assert crowd["cost_per_accepted_label"] == pytest.approx(10.8)
    assert crowd["direct_cost_per_accepted_label"] == pytest.approx(8.0)
    assert crowd["uplift_over_direct"] == pytest.approx(54.0 / 40.0 - 1.0)
    # managed rows: 23.5 + 45.5 = 69.0 over 30 accepted labels
    assert records[1]["cost_per_accepted_label"] == pytest.approx(69.0 / 30.0)


def test_summary_by_class_and_period_keys() -> None:
    records = summarize(cost_frame(), ["class_id", "period"])
    assert [(r["class_id"], r["period"]) for r in records] == [(1, "2024-01-01"), (2, "2024-01-08")]
    assert isinstance(records[0]["class_id"], int)


def test_zero_accepted_labels_give_none_not_nan() -> None:
    records = summarize(cost_frame(), ["class_id", "cohort_id"])
    by_key = {(r["class_id"], r["cohort_id"]): r for r in records}
    assert by_key[(2, 10)]["cost_per_accepted_label"] is None
    assert by_key[(2, 10)]["total_cost"] == pytest.approx(37.5)
    json.dumps(records, allow_nan=False)


def test_zero_direct_cost_gives_none_uplift() -> None:
    frame = cost_frame().assign(direct_cost=0.0)
    frame["total_cost"] = frame[["review_cost", "rework_cost"]].sum(axis=1)
    assert summarize(frame)[0]["uplift_over_direct"] is None


def test_missing_group_keys_group_together_as_none() -> None:
    frame = cost_frame().assign(vendor=["crowd", None, "crowd", None])
    records = summarize(frame, "vendor")
    assert [r["vendor"] for r in records] == ["crowd", None]


def test_waterfall_by_hand() -> None:
    steps = waterfall(cost_frame())
    amounts = [s["amount"] for s in steps]
    # direct 100, review 14, rework 3, engineering 2, remediation 4 -> total 123
    assert amounts == pytest.approx([100.0, 14.0, 3.0, 2.0, 4.0, 123.0])
    assert steps[2]["start"] == pytest.approx(114.0)
    assert steps[0]["share_of_total"] == pytest.approx(100.0 / 123.0)
    assert steps[-1]["is_total"] is True


def test_waterfall_of_zero_cost_has_no_shares() -> None:
    frame = cost_frame()
    for column in COST_FRAME_COLUMNS:
        frame[column] = 0.0
    assert all(step["share_of_total"] is None for step in waterfall(frame))


def test_reports_name_missing_columns() -> None:
    with pytest.raises(CostInputError, match="remediation_cost"):
        summarize(cost_frame().drop(columns="remediation_cost"))
    with pytest.raises(CostInputError, match="region"):
        summarize(cost_frame(), "region")


def test_json_ready_unwraps_numpy_and_drops_nan() -> None:
    value = {
        "a": np.float64(1.5),
        "b": np.int64(3),
        "c": float("nan"),
        "d": [np.inf, pd.NaT, None],
        "e": pd.Timestamp("2024-01-01", tz="UTC"),
        "f": np.array([1.0, np.nan]),
    }
    ready = json_ready(value)
    assert ready == {
        "a": 1.5,
        "b": 3,
        "c": None,
        "d": [None, None, None],
        "e": "2024-01-01T00:00:00+00:00",
        "f": [1.0, None],
    }
    assert not any(isinstance(v, float) and math.isnan(v) for v in ready["f"] if v is not None)
