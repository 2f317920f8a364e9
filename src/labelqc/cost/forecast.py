"""Forecast to finish and budget vs actual from an actuals cost frame.

Point: remaining items x current cost per accepted label R = C / A (cost and accepted labels to
date). Interval, from the per-period variance of cost per accepted label: with periods
p = 1..n, period cost c_p, accepted a_p, residual e_p = c_p - R a_p, s^2 = sum(e_p^2) / (n - 1)
and mean accepted per period a = A / n,

    se(R)^2          = n / (n - 1) x sum(e_p^2) / A^2        (ratio-estimator linearization)
    var(to finish)   = M^2 se(R)^2 + (M / a) s^2             (M remaining items)

the first term is the uncertainty in R, the second the period-to-period noise of the M / a
periods still to run. The interval is point +/- t(n - 1) x sqrt(var), clipped at 0. It needs
at least two periods; with fewer the interval is None and a reason says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from labelqc.cost._validate import check_scalar, raise_first
from labelqc.cost.defaults import DEFAULT_CONFIDENCE
from labelqc.cost.errors import CostInputError
from labelqc.cost.limits import MAX_ITEMS
from labelqc.cost.report import json_ready, ratio_or_none

_NEEDED = ("period", "total_cost", "accepted_labels")


def _check(costs: pd.DataFrame, extra: Sequence[str] = ()) -> None:
    if not isinstance(costs, pd.DataFrame):
        raise CostInputError("costs", f"must be a DataFrame, got {type(costs).__name__}")
    for column in (*_NEEDED, *extra):
        if column not in costs.columns:
            raise CostInputError(column, "is a required column of an actuals cost frame")
    # A row without a period would silently drop out of the per-period sums.
    raise_first(
        costs["period"].isna().to_numpy(),
        "period",
        "must not be missing",
        costs["period"],
        costs.index,
    )


def budget_status(
    spent: float, estimate_at_completion: Mapping[str, float | None], budget: float
) -> dict[str, Any]:
    """Budget vs actual: spend, estimate at completion (EAC) against ``budget`` and an alert.

    alert_level: "over" when spend to date or the EAC point exceeds the budget, "at_risk" when
    only the EAC upper bound does, "ok" otherwise, "unknown" when there is no EAC point yet
    (no accepted labels). ``alert`` is True for "over" and "at_risk".
    """
    budget = check_scalar(budget, "budget")
    point, upper = estimate_at_completion.get("point"), estimate_at_completion.get("upper")
    over_point = None if point is None else point > budget
    over_upper = None if upper is None else upper > budget
    if spent > budget or over_point:
        level = "over"
    elif over_upper:
        level = "at_risk"
    elif point is None:
        level = "unknown"
    else:
        level = "ok"
    return json_ready(
        {
            "budget": budget,
            "spent": spent,
            "spent_share": ratio_or_none(spent, budget),
            "remaining_budget": budget - spent,
            "estimate_at_completion": point,
            "variance_at_completion": None if point is None else budget - point,
            "over_budget_point": over_point,
            "over_budget_upper": over_upper,
            "alert": level in ("over", "at_risk"),
            "alert_level": level,
        }
    )


def _forecast(
    by_period: pd.DataFrame, remaining: float, confidence: float, items_to_date: float
) -> dict[str, Any]:
    cost = by_period["total_cost"].to_numpy(dtype=np.float64)
    accepted = by_period["accepted_labels"].to_numpy(dtype=np.float64)
    n, spent, accepted_total = len(cost), float(cost.sum()), float(accepted.sum())
    ratio = ratio_or_none(spent, accepted_total)
    point = 0.0 if remaining == 0 else (None if ratio is None else remaining * ratio)
    interval: dict[str, float] | None = None
    ratio_interval: dict[str, float] | None = None
    reason = None
    if ratio is None:
        reason = "no accepted labels yet: cost per accepted label is undefined"
    elif n < 2:
        reason = "an interval needs at least two periods of history"
    else:
        residual_sq = float(np.sum((cost - ratio * accepted) ** 2))
        se_ratio = math.sqrt(n / (n - 1) * residual_sq) / accepted_total
        period_var = residual_sq / (n - 1)
        mean_accepted = accepted_total / n
        variance = remaining**2 * se_ratio**2 + remaining / mean_accepted * period_var
        t_quantile = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))
        half = t_quantile * math.sqrt(variance)
        interval = {"point": point, "lower": max(0.0, point - half), "upper": point + half}
        ratio_interval = {
            "lower": max(0.0, ratio - t_quantile * se_ratio),
            "upper": ratio + t_quantile * se_ratio,
            "standard_error": se_ratio,
        }
    to_finish = interval or {"point": point, "lower": None, "upper": None}
    at_completion = {
        key: None if value is None else spent + value for key, value in to_finish.items()
    }
    periods = [
        {
            "period": period,
            "cost": float(c),
            "accepted_labels": float(a),
            "cost_per_accepted_label": ratio_or_none(c, a),
        }
        for period, c, a in zip(by_period.index, cost, accepted, strict=True)
    ]
    return {
        "cost_to_date": spent,
        "accepted_to_date": accepted_total,
        "items_to_date": items_to_date,
        "cost_per_accepted_label": ratio,
        "cost_per_accepted_label_interval": ratio_interval,
        "remaining_items": remaining,
        "forecast_to_finish": to_finish,
        "estimate_at_completion": at_completion,
        "confidence": confidence,
        "method": "period-ratio",
        "periods": n,
        "interval_reason": reason,
        "by_period": periods,
    }


def _periods(costs: pd.DataFrame) -> pd.DataFrame:
    return costs.groupby("period", sort=True)[["total_cost", "accepted_labels"]].sum()


def _items(costs: pd.DataFrame) -> float:
    return float(costs["n_items"].sum()) if "n_items" in costs.columns else float(len(costs))


def forecast_to_finish(
    costs: pd.DataFrame,
    remaining_items: float,
    *,
    budget: float | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> dict[str, Any]:
    """Cost to date, cost per accepted label, forecast to finish and (with a budget) its status.

    ``costs``: an ``actual_costs`` frame (needs period, total_cost, accepted_labels).
    ``remaining_items``: labels still to be accepted (at most labelqc.cost.limits.MAX_ITEMS).
    Returns a JSON-ready dict: cost_to_date, accepted_to_date, items_to_date,
    cost_per_accepted_label (None with none accepted) and its interval, forecast_to_finish and
    estimate_at_completion ({point, lower, upper}; bounds None with interval_reason), by_period,
    and budget (``budget_status``) or None.
    """
    _check(costs)
    remaining = check_scalar(remaining_items, "remaining_items", high=MAX_ITEMS)
    confidence = check_scalar(confidence, "confidence", low_open=True, high=1.0, high_open=True)
    result = _forecast(_periods(costs), remaining, confidence, _items(costs))
    result["budget"] = (
        None
        if budget is None
        else budget_status(result["cost_to_date"], result["estimate_at_completion"], budget)
    )
    return json_ready(result)


def forecast_by(
    costs: pd.DataFrame,
    by: str | Sequence[str],
    remaining_items: Mapping[Any, float],
    *,
    budgets: Mapping[Any, float] | None = None,
    confidence: float = DEFAULT_CONFIDENCE,
) -> list[dict[str, Any]]:
    """``forecast_to_finish`` per group (e.g. by="vendor"), one record per group with its keys.

    ``remaining_items`` (and optional ``budgets``) map each group's key (a tuple for several
    ``by`` columns) to its value; every group in ``costs`` must have an entry. A key without
    history gets a record whose forecast point is None (0 if nothing remains).
    """
    keys = [by] if isinstance(by, str) else list(by)
    _check(costs, keys)
    confidence = check_scalar(confidence, "confidence", low_open=True, high=1.0, high_open=True)
    groups = {
        (name if len(keys) > 1 else name[0]): frame
        for name, frame in costs.groupby(keys, sort=True, dropna=False)
    }
    for name in groups:
        if name not in remaining_items:
            raise CostInputError(
                "remaining_items", f"has no entry for {dict(zip(keys, _tuple(name), strict=True))}"
            )
    records = []
    empty = costs.iloc[0:0]
    for name in _sorted_keys(set(groups) | set(remaining_items)):
        frame = groups.get(name, empty)
        remaining = check_scalar(
            remaining_items[name], f"remaining_items[{name!r}]", high=MAX_ITEMS
        )
        record = dict(zip(keys, _tuple(name), strict=True))
        record.update(_forecast(_periods(frame), remaining, confidence, _items(frame)))
        budget = None if budgets is None else budgets.get(name)
        record["budget"] = (
            None
            if budget is None
            else budget_status(record["cost_to_date"], record["estimate_at_completion"], budget)
        )
        records.append(json_ready(record))
    return records


def _sorted_keys(names: set[Any]) -> list[Any]:
    try:
        return sorted(names)
    except TypeError:  # mixed key types (e.g. None beside ints): any stable order will do
        return sorted(names, key=repr)


def _tuple(name: Any) -> tuple[Any, ...]:
    return name if isinstance(name, tuple) else (name,)
