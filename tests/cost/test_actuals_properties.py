"""Hypothesis properties of actual costs: monotone in every card rate, waterfall sums to total."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.cost import REVIEW_DECISIONS, Rate, RateCard, actual_costs, summarize, waterfall

money = st.floats(min_value=0.0, max_value=100.0)


@st.composite
def worklogs(draw: st.DrawFn) -> pd.DataFrame:
    size = draw(st.integers(min_value=1, max_value=25))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    decision = rng.choice(REVIEW_DECISIONS, size)
    cycles = np.where(decision == "unreviewed", 0, rng.integers(0, 4, size))
    return pd.DataFrame(
        {
            "item_id": np.arange(size),
            "class_id": rng.integers(0, 3, size),
            "cohort_id": rng.integers(0, 2, size),
            "vendor": "v",
            "review_decision": decision,
            "rework_cycles": cycles,
            "n_objects": rng.integers(0, 50, size),
            "annotation_seconds": rng.uniform(0, 600, size),
            "review_seconds": rng.uniform(0, 120, size),
            "completed_at": pd.Timestamp("2024-05-01", tz="UTC")
            + pd.to_timedelta(rng.uniform(0, 60, size), unit="D"),
        }
    )


@st.composite
def cards(draw: st.DrawFn) -> dict:
    return {
        "annotation": Rate(draw(st.sampled_from(["label", "object", "hour"])), draw(money)),
        "reviewer": draw(
            st.one_of(
                st.none(),
                st.builds(Rate, st.sampled_from(["label", "object", "hour"]), money),
            )
        ),
        "correction_effort": draw(st.floats(min_value=0.0, max_value=2.0)),
        "engineering_cost_per_batch": draw(money),
        "batch_size": draw(st.floats(min_value=1.0, max_value=500.0)),
        "remediation_cost_per_escape": draw(money),
    }


def total(log: pd.DataFrame, card: dict) -> float:
    return float(actual_costs(log, [RateCard("v", **card)])["total_cost"].sum())


@settings(max_examples=40, deadline=None)
@given(worklogs(), cards(), money, money)
def test_total_is_non_decreasing_in_each_card_rate(
    log: pd.DataFrame, card: dict, first: float, second: float
) -> None:
    low, high = sorted((first, second))
    scale = 1e-9 * max(1.0, total(log, card))
    annotation_unit = card["annotation"].unit
    assert total(log, {**card, "annotation": Rate(annotation_unit, low)}) <= scale + total(
        log, {**card, "annotation": Rate(annotation_unit, high)}
    )
    reviewer_unit = "label" if card["reviewer"] is None else card["reviewer"].unit
    assert total(log, {**card, "reviewer": Rate(reviewer_unit, low)}) <= scale + total(
        log, {**card, "reviewer": Rate(reviewer_unit, high)}
    )
    for field in ("engineering_cost_per_batch", "remediation_cost_per_escape"):
        assert total(log, {**card, field: low}) <= scale + total(log, {**card, field: high})


@settings(max_examples=40, deadline=None)
@given(worklogs(), cards())
def test_actual_waterfall_sums_to_total_and_reports_are_json(log: pd.DataFrame, card: dict) -> None:
    costs = actual_costs(log, [RateCard("v", **card)])
    steps = waterfall(costs)
    assert sum(s["amount"] for s in steps[:-1]) == pytest.approx(steps[-1]["amount"], abs=1e-9)
    assert (costs[["direct_cost", "review_cost", "rework_cost"]] >= 0).all().all()
    assert (
        costs["accepted_labels"].sum()
        == np.isin(log["review_decision"], ["approved", "edited", "unreviewed"]).sum()
    )
    json.dumps(summarize(costs, ["class_id", "period"]), allow_nan=False)
    json.dumps(steps, allow_nan=False)
