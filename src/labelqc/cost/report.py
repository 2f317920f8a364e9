"""JSON-ready reports over a cost frame: totals by key, cost per accepted label, the waterfall."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelqc.cost.columns import COST_COMPONENTS, COST_FRAME_COLUMNS, WATERFALL_STEPS
from labelqc.cost.errors import CostInputError


def json_ready(value: Any) -> Any:
    """Plain Python values for JSON: numpy scalars unwrapped, NaN/inf and NaT -> None."""
    if isinstance(value, Mapping):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, np.ndarray):
        return [json_ready(item) for item in value.tolist()]
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def ratio_or_none(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (undefined)."""
    return None if denominator == 0 else float(numerator) / float(denominator)


def _check_cost_frame(costs: pd.DataFrame) -> None:
    if not isinstance(costs, pd.DataFrame):
        raise CostInputError("costs", f"must be a DataFrame, got {type(costs).__name__}")
    for column in COST_FRAME_COLUMNS:
        if column not in costs.columns:
            raise CostInputError(column, "is a required column of a cost frame")


def _totals_record(sums: Mapping[str, float]) -> dict[str, Any]:
    total, direct = float(sums["total_cost"]), float(sums["direct_cost"])
    accepted = float(sums["accepted_labels"])
    record: dict[str, Any] = {column: float(sums[column]) for column in COST_FRAME_COLUMNS}
    if "n_items" in sums:
        record["n_items"] = float(sums["n_items"])
    record["cost_per_accepted_label"] = ratio_or_none(total, accepted)
    record["direct_cost_per_accepted_label"] = ratio_or_none(direct, accepted)
    # How far a per-label price understates the real cost: total / direct - 1.
    uplift = ratio_or_none(total, direct)
    record["uplift_over_direct"] = None if uplift is None else uplift - 1.0
    return record


def summarize(costs: pd.DataFrame, by: str | Sequence[str] = ()) -> list[dict[str, Any]]:
    """Sum a cost frame by key columns (e.g. "class_id", ["vendor", "period"]).

    Each record holds the keys, every cost component, total_cost, accepted_labels, corrections,
    escaped_defects, n_items (when the frame has it), cost_per_accepted_label and
    direct_cost_per_accepted_label (None with zero accepted labels) and uplift_over_direct
    (total / direct - 1, None with zero direct cost). No ``by``: one record for the whole frame.
    Records are sorted by key; missing keys group together as None.
    """
    _check_cost_frame(costs)
    keys = [by] if isinstance(by, str) else list(by)
    for key in keys:
        if key not in costs.columns:
            raise CostInputError(key, "is not a column of the cost frame")
    value_columns = [*COST_FRAME_COLUMNS, *(["n_items"] if "n_items" in costs.columns else [])]
    if not keys:
        return [json_ready(_totals_record(costs[value_columns].sum()))]
    grouped = costs.groupby(keys, dropna=False, sort=True)[value_columns].sum()
    records = []
    for key_values, sums in zip(grouped.index, grouped.to_dict("records"), strict=True):
        key_tuple = key_values if isinstance(key_values, tuple) else (key_values,)
        record = dict(zip(keys, key_tuple, strict=True))
        record.update(_totals_record(sums))
        records.append(json_ready(record))
    return records


def waterfall(costs: pd.DataFrame) -> list[dict[str, Any]]:
    """Ordered steps direct -> + review -> + rework -> + engineering -> + remediation = total.

    Each step: step, label, amount, start and end (the running total before and after it) and
    share_of_total (None when the total is zero). The last step is the total (start 0,
    end = amount = total_cost summed over the frame).
    """
    _check_cost_frame(costs)
    sums = costs[list(COST_COMPONENTS)].sum()
    total = float(costs["total_cost"].sum())
    steps: list[dict[str, Any]] = []
    running = 0.0
    for step, label, column in WATERFALL_STEPS:
        amount = float(sums[column])
        steps.append(
            {
                "step": step,
                "label": label,
                "amount": amount,
                "start": running,
                "end": running + amount,
                "share_of_total": ratio_or_none(amount, total),
                "is_total": False,
            }
        )
        running += amount
    steps.append(
        {
            "step": "total",
            "label": "Total",
            "amount": total,
            "start": 0.0,
            "end": total,
            "share_of_total": None if total == 0 else 1.0,
            "is_total": True,
        }
    )
    return json_ready(steps)
