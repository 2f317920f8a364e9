"""Scenario comparison (crowd vs managed), remediation break-even and the tornado."""

import json

import pytest

from labelqc.cost import (
    CostInputError,
    Rate,
    Segment,
    breakeven_remediation_cost,
    compare_scenarios,
    plan_costs,
    segments_frame,
    tornado,
)


def crowd(remediation: float = 30.0) -> list[Segment]:
    # 95% accuracy crowd at 0.04 per object, 8 objects per image.
    return [
        Segment(
            n_items=100_000,
            rate=Rate("object", 0.04),
            objects_per_item=8,
            defect_rate=0.05,
            remediation_cost_per_escape=remediation,
        )
    ]


def managed(remediation: float = 30.0) -> list[Segment]:
    # 99.5% accuracy managed workforce at 2.5x the crowd rate.
    return [
        Segment(
            n_items=100_000,
            rate=Rate("object", 0.10),
            objects_per_item=8,
            defect_rate=0.005,
            remediation_cost_per_escape=remediation,
        )
    ]


# Hand arithmetic (defaults: review share 0.5, review pass = 0.4 x direct, effort 1, d_r = d):
# crowd   p = 0.32, direct 32,000, review 100,000 x 0.5 x 0.128 = 6,400,
#         corrections = 100,000 x 0.05 x 0.5 / 0.95 = 2,631.58 at 0.32 + 0.128 -> 1,178.95,
#         escapes = 5,000 x 0.5 = 2,500
# managed p = 0.80, direct 80,000, review 16,000, corrections = 250 / 0.995 = 251.26 at 1.12
#         -> 281.41, escapes = 250
CROWD_FIXED = 32_000 + 6_400 + 2_500 / 0.95 * 0.448
MANAGED_FIXED = 80_000 + 16_000 + 250 / 0.995 * 1.12


def test_crowd_versus_managed_by_hand() -> None:
    records = compare_scenarios({"crowd": crowd(), "managed": managed()})
    by_name = {r["scenario"]: r for r in records}
    assert by_name["crowd"]["total_cost"] == pytest.approx(CROWD_FIXED + 2_500 * 30)
    assert by_name["managed"]["total_cost"] == pytest.approx(MANAGED_FIXED + 250 * 30)
    assert by_name["crowd"]["is_baseline"] is True
    assert by_name["crowd"]["delta_vs_baseline"] == 0.0
    assert by_name["managed"]["delta_vs_baseline"] == pytest.approx(
        MANAGED_FIXED + 7_500 - CROWD_FIXED - 75_000
    )
    # At 30 per escaped defect the managed workforce is cheaper despite 2.5x the rate.
    assert by_name["managed"]["rank"] == 1
    assert by_name["crowd"]["rank"] == 2
    assert by_name["crowd"]["escaped_defects"] == pytest.approx(2_500)
    assert [s["step"] for s in by_name["managed"]["waterfall"]][-1] == "total"
    json.dumps(records, allow_nan=False)


def test_cheap_remediation_favours_the_crowd_and_baseline_can_be_chosen() -> None:
    records = compare_scenarios({"crowd": crowd(5.0), "managed": managed(5.0)}, baseline="managed")
    by_name = {r["scenario"]: r for r in records}
    assert by_name["crowd"]["rank"] == 1
    assert by_name["managed"]["is_baseline"] is True
    assert by_name["crowd"]["ratio_vs_baseline"] == pytest.approx(
        (CROWD_FIXED + 12_500) / (MANAGED_FIXED + 1_250)
    )


def test_breakeven_remediation_cost_by_hand() -> None:
    result = breakeven_remediation_cost(crowd(), managed())
    expected = (MANAGED_FIXED - CROWD_FIXED) / (2_500 - 250)
    assert result["remediation_cost_per_escape"] == pytest.approx(expected)
    # At the break-even both programs cost the same.
    at = result["remediation_cost_per_escape"]
    totals = [
        float(plan_costs(segments_frame(s(at)))["total_cost"].sum()) for s in (crowd, managed)
    ]
    assert totals[0] == pytest.approx(totals[1])


def test_breakeven_is_none_when_one_side_always_wins() -> None:
    cheaper_and_better = [
        Segment(n_items=100_000, rate=Rate("object", 0.03), objects_per_item=8, defect_rate=0.01)
    ]
    result = breakeven_remediation_cost(crowd(), cheaper_and_better)
    assert result["remediation_cost_per_escape"] is None
    assert result["reason"]
    same = breakeven_remediation_cost(crowd(), crowd())
    assert same == {"remediation_cost_per_escape": None, "reason": "equal expected escapes"}


def test_scenario_errors_name_scenario_and_field() -> None:
    with pytest.raises(CostInputError, match="baseline"):
        compare_scenarios({"crowd": crowd()}, baseline="nope")
    with pytest.raises(CostInputError, match="scenarios"):
        compare_scenarios({})
    bad = segments_frame(crowd()).assign(defect_rate=1.2)
    with pytest.raises(CostInputError, match=r"broken\.defect_rate"):
        compare_scenarios({"crowd": crowd(), "broken": bad})


def test_tornado_is_sorted_by_impact_and_recomputes_each_side() -> None:
    segments = crowd()
    base_total = CROWD_FIXED + 75_000
    records = tornado(segments)
    swings = [r["swing"] for r in records]
    assert swings == sorted(swings, reverse=True)
    by_field = {r["field"]: r for r in records}
    # Inputs the segment leaves to defaults that are NaN (hours, reviewer rate) are not moved.
    assert "annotation_hours_per_item" not in by_field
    assert "reviewer_rate_amount" not in by_field
    # Total is linear in volume: +/- 10% of items moves the total by +/- 10%.
    assert by_field["n_items"]["swing"] == pytest.approx(0.2 * base_total)
    # Remediation: 2,500 escapes x (33 - 27) = 15,000.
    assert by_field["remediation_cost_per_escape"]["swing"] == pytest.approx(15_000)
    assert by_field["remediation_cost_per_escape"]["low_value"] == pytest.approx(27.0)
    moved = segments_frame(segments).assign(defect_rate=0.055, correction_error_rate=0.05)
    assert by_field["defect_rate"]["high_total"] == pytest.approx(
        float(plan_costs(moved)["total_cost"].sum())
    )
    assert by_field["defect_rate"]["base_total"] == pytest.approx(base_total)
    # Recall is already 1: its high side is clipped to 1 and changes nothing.
    assert by_field["review_recall"]["high_change"] == pytest.approx(0.0)
    json.dumps(records, allow_nan=False)


def test_tornado_absolute_deltas_and_domain_edges() -> None:
    records = tornado(crowd(), fields=["defect_rate", "rate_amount"], deltas={"defect_rate": 0.96})
    by_field = {r["field"]: r for r in records}
    defect = by_field["defect_rate"]
    assert defect["high_total"] is None
    assert "defect_rate" in defect["note"]
    assert defect["low_value"] == 0.0  # 0.05 - 0.96 clipped at 0
    assert defect["swing"] == pytest.approx(abs(defect["low_change"]))
    assert by_field["rate_amount"]["high_value"] == pytest.approx(0.044)


def test_tornado_rejects_unknown_fields() -> None:
    with pytest.raises(CostInputError, match="fields"):
        tornado(crowd(), fields=["max_cycles"])
    with pytest.raises(CostInputError, match="deltas"):
        tornado(crowd(), deltas={"colour": 1.0})
    with pytest.raises(CostInputError, match="relative_delta"):
        tornado(crowd(), relative_delta=-0.1)
