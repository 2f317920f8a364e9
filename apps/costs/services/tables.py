"""Report tables: costs split over an item's classes, names, flat rows, and CSV export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from apps.common.spreadsheets import formula_safe
from labelqc.cost import COST_FRAME_COLUMNS

TABLE_NAMES: tuple[str, ...] = (
    "by_class",
    "by_cohort",
    "by_vendor",
    "by_period",
    "waterfall",
    "forecast",
    "scenarios",
    "breakeven",
    "tornado",
)
# Text cells starting with these would run as formulas in a spreadsheet (CSV injection).


def by_class_frame(costs: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """The cost frame with each row split over its item's classes by their share of objects.

    An item with 2 cars and 1 person gives 2/3 of its costs and of its accepted label to "car"
    and 1/3 to "person"; sums over classes equal the frame's totals.
    """
    numeric = [*COST_FRAME_COLUMNS, "n_items"]
    split = shares.merge(costs[numeric], left_on="assignment_id", right_index=True, how="inner")
    split[numeric] = split[numeric].mul(split["share"], axis=0)
    return split


def named(
    records: list[dict[str, Any]], key: str, names: Mapping[int, str], column: str
) -> list[dict[str, Any]]:
    """Each record with ``column`` = the name of its ``key`` id, placed right after the key."""
    out = []
    for record in records:
        row: dict[str, Any] = {}
        for field, value in record.items():
            row[field] = value
            if field == key:
                row[column] = names.get(value)
        out.append(row)
    return out


def period_budget(records: list[dict[str, Any]], per_period: float | None) -> list[dict[str, Any]]:
    """Each period's record with the per-period budget and whether its spend went over it (None
    without a budget, or when the spend is missing: a cost too large for a float is None)."""
    return [
        {
            **record,
            "period_budget": per_period,
            "over_period_budget": None
            if per_period is None or record["total_cost"] is None
            else record["total_cost"] > per_period,
        }
        for record in records
    ]


def flat_forecast(forecast: Mapping[str, Any]) -> dict[str, Any]:
    """The forecast and budget status as one flat row."""
    ratio = forecast.get("cost_per_accepted_label_interval") or {}
    to_finish, at_completion = forecast["forecast_to_finish"], forecast["estimate_at_completion"]
    budget = forecast.get("budget") or {}
    return {
        "cost_to_date": forecast["cost_to_date"],
        "accepted_to_date": forecast["accepted_to_date"],
        "cost_per_accepted_label": forecast["cost_per_accepted_label"],
        "cost_per_accepted_label_lower": ratio.get("lower"),
        "cost_per_accepted_label_upper": ratio.get("upper"),
        "remaining_items": forecast["remaining_items"],
        "forecast_to_finish": to_finish["point"],
        "forecast_to_finish_lower": to_finish["lower"],
        "forecast_to_finish_upper": to_finish["upper"],
        "estimate_at_completion": at_completion["point"],
        "estimate_at_completion_lower": at_completion["lower"],
        "estimate_at_completion_upper": at_completion["upper"],
        "confidence": forecast["confidence"],
        "periods": forecast["periods"],
        "interval_reason": forecast["interval_reason"],
        "budget": budget.get("budget"),
        "remaining_budget": budget.get("remaining_budget"),
        "variance_at_completion": budget.get("variance_at_completion"),
        "alert_level": budget.get("alert_level"),
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return formula_safe(value)  # floats print with repr: parsing gives the JSON number back


def to_csv(records: Sequence[Mapping[str, Any]]) -> str:
    """CSV text of flat records; the header is every key in order of first appearance."""
    header: list[str] = []
    for record in records:
        header.extend(key for key in record if key not in header)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({key: _cell(record.get(key)) for key in header})
    return buffer.getvalue()
