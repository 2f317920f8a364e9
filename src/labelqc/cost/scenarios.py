"""Scenario comparison, remediation break-even and one-at-a-time sensitivity (tornado)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from labelqc.cost._validate import check_scalar
from labelqc.cost.errors import CostInputError
from labelqc.cost.plan import Segment, normalize_segments, plan_costs, segments_frame
from labelqc.cost.report import json_ready, ratio_or_none, summarize, waterfall

SegmentsLike = pd.DataFrame | Iterable[Segment]

# Continuous inputs the tornado can move; max_cycles (a whole number) is left out.
SENSITIVITY_FIELDS: tuple[str, ...] = (
    "n_items",
    "rate_amount",
    "objects_per_item",
    "annotation_hours_per_item",
    "review_share",
    "reviewer_rate_amount",
    "review_hours_per_item",
    "review_recall",
    "defect_rate",
    "correction_error_rate",
    "correction_effort",
    "engineering_cost_per_batch",
    "batch_size",
    "remediation_cost_per_escape",
)
_SHARE_FIELDS = ("review_share", "review_recall")
_HALF_OPEN_FIELDS = ("defect_rate", "correction_error_rate")


def _frame(segments: SegmentsLike) -> pd.DataFrame:
    return segments if isinstance(segments, pd.DataFrame) else segments_frame(segments)


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def compare_scenarios(
    scenarios: Mapping[str, SegmentsLike], baseline: str | None = None
) -> list[dict[str, Any]]:
    """Cost each scenario (a segments frame or Segments) and compare it with the baseline.

    ``baseline`` defaults to the first scenario. One record per scenario, in input order: the
    ``summarize`` totals, the waterfall, delta_vs_baseline (total - baseline total),
    ratio_vs_baseline (None when the baseline costs 0), is_baseline and rank (1 = cheapest total).
    A total too large for a float (inputs beyond ``labelqc.cost.limits``, stored before them) is
    None: it ranks after every known total (ties keep input order), and its delta and ratio, or
    every delta and ratio when it is the baseline's, are None.
    """
    if not scenarios:
        raise CostInputError("scenarios", "at least one scenario is required")
    names = list(scenarios)
    baseline = names[0] if baseline is None else baseline
    if baseline not in scenarios:
        raise CostInputError("baseline", f"is not one of the scenarios: {baseline!r}")
    records: list[dict[str, Any]] = []
    for name in names:
        try:
            costs = plan_costs(_frame(scenarios[name]))
        except CostInputError as error:
            raise CostInputError(f"{name}.{error.field}", error.reason, error.record) from None
        records.append({"scenario": name, **summarize(costs)[0], "waterfall": waterfall(costs)})
    totals = [_finite_or_none(r["total_cost"]) for r in records]
    base_total = totals[names.index(baseline)]
    order = sorted(range(len(records)), key=lambda i: (totals[i] is None, totals[i] or 0.0, i))
    for rank, position in enumerate(order, start=1):
        records[position]["rank"] = rank
    for record, total in zip(records, totals, strict=True):
        known = total is not None and base_total is not None
        record["is_baseline"] = record["scenario"] == baseline
        record["delta_vs_baseline"] = total - base_total if known else None
        record["ratio_vs_baseline"] = ratio_or_none(total, base_total) if known else None
    return json_ready(records)


def breakeven_remediation_cost(
    first: SegmentsLike, second: SegmentsLike
) -> dict[str, float | str | None]:
    """Remediation cost per escaped defect at which two scenarios cost the same.

    Totals are linear in a remediation cost m applied to every segment: total = A + E m, with
    E the expected escaped defects. The break-even is m* = (A2 - A1) / (E1 - E2); None (with a
    reason) when the escapes are equal, m* < 0 (one scenario is cheaper at every m >= 0) or a
    cost is too large for a float.
    """
    fixed, escapes = [], []
    for segments in (first, second):
        frame = _frame(segments)
        costs = plan_costs(frame.assign(remediation_cost_per_escape=0.0))
        fixed.append(float(costs["total_cost"].sum()))
        escapes.append(float(costs["escaped_defects"].sum()))
    if not all(math.isfinite(value) for value in (*fixed, *escapes)):
        return {"remediation_cost_per_escape": None, "reason": "a cost is too large to compare"}
    if escapes[0] == escapes[1]:
        return {"remediation_cost_per_escape": None, "reason": "equal expected escapes"}
    breakeven = (fixed[1] - fixed[0]) / (escapes[0] - escapes[1])
    if not math.isfinite(breakeven):
        return {"remediation_cost_per_escape": None, "reason": "a cost is too large to compare"}
    if breakeven < 0:
        return {"remediation_cost_per_escape": None, "reason": "no break-even at a cost >= 0"}
    return {"remediation_cost_per_escape": breakeven, "reason": None}


def _unique_or_none(values: np.ndarray) -> float | None:
    present = values[~np.isnan(values)]
    unique = np.unique(present)
    return float(unique[0]) if unique.size == 1 else None


def _perturb(
    base: pd.DataFrame, field: str, delta: float, relative: bool, sign: float
) -> tuple[pd.DataFrame | None, str | None]:
    values = base[field].to_numpy(dtype=np.float64)
    with np.errstate(over="ignore"):
        moved = values * (1.0 + sign * delta) if relative else values + sign * delta
    moved = np.where(np.isnan(values), np.nan, np.maximum(moved, 0.0))
    if np.any(np.isinf(moved)):
        return None, f"{field} would be too large for a float"
    if field in _SHARE_FIELDS:
        moved = np.minimum(moved, 1.0)
    if field in _HALF_OPEN_FIELDS and np.any(moved >= 1.0):
        return None, f"{field} would reach 1 (outside [0, 1))"
    if field == "batch_size" and np.any(moved <= 0.0):
        return None, "batch_size would reach 0"
    return base.assign(**{field: moved}), None


def tornado(
    segments: SegmentsLike,
    fields: Sequence[str] | None = None,
    relative_delta: float = 0.10,
    deltas: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Sensitivity of the total cost to each input moved alone, sorted by impact.

    Each field moves down and up by ``relative_delta`` (x (1 -/+ delta)) or, for fields in
    ``deltas``, by that absolute amount; moved values are clipped to the field's domain (>= 0,
    shares <= 1), and a side that would leave it (a rate reaching 1, a batch size reaching 0) is
    None with a note. Defaults are filled in before moving, so moving defect_rate leaves a
    defaulted correction_error_rate where it was. ``fields`` defaults to every
    SENSITIVITY_FIELDS column the segments use. Records: field, base/low/high value (None when
    rows differ), low_total, high_total, low_change, high_change, swing (|high - low| total, or
    the one available change) and note; sorted by swing, largest first. A total too large for a
    float (inputs beyond ``labelqc.cost.limits``, stored before them) is None, and so are the
    changes and the swing it enters (such records sort last, with a note).
    """
    delta = check_scalar(relative_delta, "relative_delta")
    deltas = dict(deltas or {})
    for name, value in deltas.items():
        if name not in SENSITIVITY_FIELDS:
            raise CostInputError(
                "deltas", f"{name!r} is not one of {', '.join(SENSITIVITY_FIELDS)}"
            )
        check_scalar(value, f"deltas.{name}")
    base = normalize_segments(_frame(segments), check_limits=False)
    if fields is None:
        fields = [f for f in SENSITIVITY_FIELDS if base[f].notna().any()]
    for name in fields:
        if name not in SENSITIVITY_FIELDS:
            raise CostInputError(
                "fields", f"{name!r} is not one of {', '.join(SENSITIVITY_FIELDS)}"
            )
    base_total = _finite_or_none(float(plan_costs(base)["total_cost"].sum()))
    records = []
    for name in fields:
        relative = name not in deltas
        step = delta if relative else float(deltas[name])
        record: dict[str, Any] = {"field": name, "base_total": base_total}
        notes = []
        overflow = base_total is None
        record["base_value"] = _unique_or_none(base[name].to_numpy(dtype=np.float64))
        for side, sign in (("low", -1.0), ("high", 1.0)):
            moved, note = _perturb(base, name, step, relative, sign)
            if moved is None:
                record[f"{side}_value"] = record[f"{side}_total"] = record[f"{side}_change"] = None
                notes.append(note)
                continue
            total = _finite_or_none(float(plan_costs(moved)["total_cost"].sum()))
            overflow = overflow or total is None
            record[f"{side}_value"] = _unique_or_none(moved[name].to_numpy(dtype=np.float64))
            record[f"{side}_total"] = total
            record[f"{side}_change"] = None if overflow else total - base_total
        changes = [record[k] for k in ("low_total", "high_total") if record[k] is not None]
        if overflow:
            record["swing"] = None
            notes.append("a total is too large for a float")
        elif len(changes) == 2:
            record["swing"] = abs(changes[1] - changes[0])
        else:
            available = [record[k] for k in ("low_change", "high_change") if record[k] is not None]
            record["swing"] = abs(available[0]) if available else 0.0
        record["note"] = "; ".join(notes) or None
        records.append(record)
    records.sort(key=lambda r: (r["swing"] is None, -(r["swing"] or 0.0), r["field"]))
    return json_ready(records)
