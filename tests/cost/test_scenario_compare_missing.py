"""A scenario whose total is too large for a float (inputs beyond labelqc.cost.limits, stored
before the limits existed) is priced, not a crash: its total is None, it ranks last, its deltas
are None, and the break-even and tornado say why they have no number."""

from __future__ import annotations

import json

import pandas as pd

from labelqc.cost import breakeven_remediation_cost, compare_scenarios, plan_costs, tornado

SEGMENT = {"n_items": 1000, "rate_unit": "label", "rate_amount": 0.3, "defect_rate": 0.05}
HUGE = {**SEGMENT, "rate_amount": 1e308}  # 1000 items x 1e308 overflows to inf


def frame(*segments: dict) -> pd.DataFrame:
    return pd.DataFrame(list(segments))


def strict_json(value: object) -> str:
    return json.dumps(value, allow_nan=False)  # a NaN or inf left anywhere raises


def test_an_overflowing_total_is_none_and_ranks_last() -> None:
    records = compare_scenarios(
        {
            "huge": frame(HUGE),
            "dear": frame({**SEGMENT, "rate_amount": 0.6}),
            "cheap": frame(SEGMENT),
        },
        baseline="cheap",
    )
    by_name = {r["scenario"]: r for r in records}
    assert [r["scenario"] for r in records] == ["huge", "dear", "cheap"]  # input order kept
    assert by_name["huge"]["total_cost"] is None
    assert by_name["huge"]["direct_cost"] is None
    assert {name: r["rank"] for name, r in by_name.items()} == {"cheap": 1, "dear": 2, "huge": 3}
    assert by_name["huge"]["delta_vs_baseline"] is None
    assert by_name["huge"]["ratio_vs_baseline"] is None
    cheap_total = by_name["cheap"]["total_cost"]
    assert by_name["dear"]["delta_vs_baseline"] == by_name["dear"]["total_cost"] - cheap_total
    assert by_name["cheap"]["delta_vs_baseline"] == 0.0
    strict_json(records)


def test_two_missing_totals_keep_input_order_after_the_known_ones() -> None:
    records = compare_scenarios({"a": frame(HUGE), "b": frame(SEGMENT), "c": frame(HUGE)})
    assert [r["rank"] for r in records] == [2, 1, 3]


def test_an_overflowing_baseline_leaves_every_delta_missing() -> None:
    records = compare_scenarios({"huge": frame(HUGE), "cheap": frame(SEGMENT)})
    assert records[0]["is_baseline"] and records[0]["total_cost"] is None
    assert [r["delta_vs_baseline"] for r in records] == [None, None]
    assert [r["ratio_vs_baseline"] for r in records] == [None, None]
    assert [r["rank"] for r in records] == [2, 1]


def test_inf_times_zero_is_missing_not_a_silently_dropped_nan() -> None:
    """An item of 10 objects at 1e308 each costs inf; with no defects, 0 corrections x that
    inf is NaN, which a sum skips (the plan would cost less and could rank first). It is inf,
    so the total is missing."""
    no_defects = {**HUGE, "rate_unit": "object", "objects_per_item": 10, "defect_rate": 0.0}
    costs = plan_costs(frame(no_defects))
    assert costs["rework_cost"].iloc[0] == float("inf")
    assert costs["total_cost"].iloc[0] == float("inf")
    records = compare_scenarios({"huge": frame(no_defects), "cheap": frame(SEGMENT)})
    assert records[0]["total_cost"] is None and records[0]["rank"] == 2


def test_break_even_with_an_overflowing_scenario_is_none_with_a_reason() -> None:
    result = breakeven_remediation_cost(frame(SEGMENT), frame(HUGE))
    assert result == {
        "remediation_cost_per_escape": None,
        "reason": "a cost is too large to compare",
    }


def test_tornado_of_an_overflowing_scenario_has_missing_swings_and_notes() -> None:
    records = tornado(frame(HUGE))
    assert records, "every used field gets a record"
    assert all(r["swing"] is None and r["base_total"] is None for r in records)
    assert all("too large for a float" in r["note"] for r in records)
    strict_json(records)


def test_tornado_sorts_a_missing_swing_after_the_known_ones() -> None:
    """Near the float maximum: the base total is finite, a rate 10% higher overflows."""
    near_max = {**SEGMENT, "n_items": 1.7e308, "rate_amount": 1.0, "defect_rate": 0.0}
    records = tornado(frame({**near_max, "review_share": 0.0}), fields=["rate_amount", "n_items"])
    assert [r["field"] for r in records] == ["n_items", "rate_amount"]
    n_items, rate = records
    assert n_items["base_total"] == 1.7e308 and n_items["swing"] > 0
    assert n_items["high_total"] is None and "n_items would be too large" in n_items["note"]
    assert rate["swing"] is None and rate["high_total"] is None
    assert rate["low_total"] is not None and "too large for a float" in rate["note"]
    strict_json(records)
