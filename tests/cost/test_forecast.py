"""Forecast to finish: hand-computed interval, statsmodels oracle for the ratio's error, budget."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from labelqc.cost import (
    CostInputError,
    Rate,
    RateCard,
    actual_costs,
    budget_status,
    forecast_by,
    forecast_to_finish,
)


def period_costs(costs: list[float], accepted: list[float], **keys: list) -> pd.DataFrame:
    periods = [f"2024-01-{day:02d}" for day in range(1, 1 + 7 * len(costs), 7)]
    return pd.DataFrame(
        {"period": periods, "total_cost": costs, "accepted_labels": accepted, **keys}
    )


def test_hand_computed_forecast_interval() -> None:
    costs = period_costs([100.0, 130.0, 90.0], [50.0, 50.0, 40.0])
    result = forecast_to_finish(costs, 70, confidence=0.90)
    # R = 320 / 140 = 16/7; point = 70 x 16/7 = 160
    assert result["cost_to_date"] == 320.0
    assert result["cost_per_accepted_label"] == pytest.approx(16 / 7)
    assert result["forecast_to_finish"]["point"] == pytest.approx(160.0)
    # residuals c - R a: -100/7, 110/7, -10/7 -> sum of squares 22,200/49
    # se(R)^2 = 3/2 x 22,200/49 / 140^2 = 33,300 / 960,400; s^2 = 11,100/49; a = 140/3
    # var = 70^2 x se^2 + (70 / (140/3)) x s^2 = 8,325/49 + 16,650/49 = 24,975/49
    half = 2.919985580355516 * math.sqrt(24_975 / 49)  # t(0.95, 2 df)
    assert result["forecast_to_finish"]["lower"] == pytest.approx(160.0 - half)
    assert result["forecast_to_finish"]["upper"] == pytest.approx(160.0 + half)
    assert result["estimate_at_completion"]["point"] == pytest.approx(480.0)
    assert result["estimate_at_completion"]["upper"] == pytest.approx(480.0 + half)
    se = math.sqrt(33_300 / 960_400)
    assert result["cost_per_accepted_label_interval"]["standard_error"] == pytest.approx(se)
    assert result["periods"] == 3
    assert result["interval_reason"] is None
    assert [p["cost_per_accepted_label"] for p in result["by_period"]] == pytest.approx(
        [2.0, 2.6, 2.25]
    )
    json.dumps(result, allow_nan=False)


def test_ratio_standard_error_matches_statsmodels_wls_hc1() -> None:
    rng = np.random.default_rng(7)
    accepted = rng.integers(20, 400, size=12).astype(float)
    cost = accepted * 2.4 + rng.normal(0, 25, size=12)
    result = forecast_to_finish(period_costs(list(cost), list(accepted)), 1_000, confidence=0.95)
    # Oracle: cost = R x accepted with weights 1 / accepted is the ratio estimator; its HC1
    # (heteroskedasticity-robust, n / (n - 1)) standard error is the linearization error.
    fit = sm.WLS(cost, accepted, weights=1.0 / accepted).fit(cov_type="HC1")
    assert result["cost_per_accepted_label"] == pytest.approx(fit.params[0])
    interval = result["cost_per_accepted_label_interval"]
    assert interval["standard_error"] == pytest.approx(fit.bse[0])
    t = stats.t.ppf(0.975, 11)
    assert interval["upper"] == pytest.approx(fit.params[0] + t * fit.bse[0])


def test_one_period_gives_a_point_without_interval() -> None:
    result = forecast_to_finish(period_costs([100.0], [50.0]), 10)
    assert result["forecast_to_finish"] == {"point": 20.0, "lower": None, "upper": None}
    assert "two periods" in result["interval_reason"]


def test_no_accepted_labels_gives_none_not_nan() -> None:
    result = forecast_to_finish(period_costs([100.0, 50.0], [0.0, 0.0]), 10, budget=1_000)
    assert result["cost_per_accepted_label"] is None
    assert result["forecast_to_finish"]["point"] is None
    assert result["estimate_at_completion"]["point"] is None
    assert result["budget"]["alert_level"] == "unknown"
    assert result["budget"]["alert"] is False
    json.dumps(result, allow_nan=False)
    finished = forecast_to_finish(period_costs([100.0, 50.0], [0.0, 0.0]), 0)
    assert finished["forecast_to_finish"]["point"] == 0.0


@pytest.mark.parametrize(
    ("budget", "level", "alert"),
    [(600.0, "ok", False), (500.0, "at_risk", True), (450.0, "over", True), (300.0, "over", True)],
)
def test_budget_alert_levels(budget: float, level: str, alert: bool) -> None:
    # EAC point 480, upper 480 + 65.9 (see the hand-computed test); spent 320
    result = forecast_to_finish(
        period_costs([100.0, 130.0, 90.0], [50.0, 50.0, 40.0]), 70, budget=budget
    )
    status = result["budget"]
    assert status["alert_level"] == level
    assert status["alert"] is alert
    assert status["variance_at_completion"] == pytest.approx(budget - 480.0)
    assert status["spent_share"] == pytest.approx(320.0 / budget)


def test_spend_past_budget_is_over_even_without_forecast() -> None:
    status = budget_status(120.0, {"point": None, "upper": None}, 100.0)
    assert status["alert_level"] == "over"
    assert status["remaining_budget"] == -20.0


def test_forecast_by_vendor() -> None:
    costs = pd.concat(
        [
            period_costs([10.0, 12.0], [10.0, 10.0], vendor=["a", "a"]),
            period_costs([30.0, 30.0], [10.0, 10.0], vendor=["b", "b"]),
        ]
    )
    records = forecast_by(
        costs, "vendor", {"a": 100, "b": 10, "c": 5}, budgets={"b": 50.0}, confidence=0.8
    )
    by_vendor = {r["vendor"]: r for r in records}
    assert by_vendor["a"]["forecast_to_finish"]["point"] == pytest.approx(110.0)
    assert by_vendor["b"]["forecast_to_finish"]["point"] == pytest.approx(30.0)
    # b: no variance between periods -> a degenerate interval
    assert by_vendor["b"]["forecast_to_finish"]["upper"] == pytest.approx(30.0)
    assert by_vendor["b"]["budget"]["alert_level"] == "over"
    assert by_vendor["a"]["budget"] is None
    assert by_vendor["c"]["forecast_to_finish"]["point"] is None
    assert by_vendor["c"]["cost_to_date"] == 0.0
    with pytest.raises(CostInputError, match="remaining_items"):
        forecast_by(costs, "vendor", {"a": 100})


def test_end_to_end_from_a_work_log() -> None:
    rng = np.random.default_rng(3)
    n = 600
    log = pd.DataFrame(
        {
            "item_id": np.arange(n),
            "class_id": rng.integers(0, 3, n),
            "cohort_id": rng.integers(0, 2, n),
            "vendor": "crowd",
            "review_decision": rng.choice(
                ["approved", "rejected", "unreviewed"], n, p=[0.6, 0.1, 0.3]
            ),
            "n_objects": rng.integers(1, 40, n),
            "completed_at": pd.Timestamp("2024-03-04", tz="UTC")
            + pd.to_timedelta(rng.uniform(0, 28, n), unit="D"),
        }
    )
    log["rework_cycles"] = np.where(log["review_decision"] == "approved", rng.integers(0, 2, n), 0)
    costs = actual_costs(log, [RateCard("crowd", Rate("object", 0.05))])
    result = forecast_to_finish(costs, 1_000, budget=2_000.0)
    assert result["periods"] == 4
    assert result["cost_to_date"] == pytest.approx(costs["total_cost"].sum())
    low, point, high = (result["forecast_to_finish"][k] for k in ("lower", "point", "upper"))
    assert 0 <= low <= point <= high
    json.dumps(result, allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"remaining_items": -1}, "remaining_items"),
        ({"remaining_items": 10, "confidence": 1.0}, "confidence"),
        ({"remaining_items": 10, "budget": -5.0}, "budget"),
    ],
)
def test_invalid_forecast_inputs_are_named(kwargs: dict, field: str) -> None:
    with pytest.raises(CostInputError, match=field):
        forecast_to_finish(period_costs([1.0, 2.0], [1.0, 1.0]), **kwargs)


def test_missing_period_column_or_value_is_named() -> None:
    with pytest.raises(CostInputError, match="period"):
        forecast_to_finish(period_costs([1.0], [1.0]).drop(columns="period"), 1)
    costs = period_costs([1.0, 2.0], [1.0, 1.0])
    costs.loc[1, "period"] = None
    with pytest.raises(CostInputError, match="period") as caught:
        forecast_to_finish(costs, 1)
    assert caught.value.record == 1
