"""Defect rates by error type over decided inspections, by batch, cohort or vendor.

Each sampled item of a decided inspection is one row (its defect counts by type and whether it
was defective) keyed by its batch, the batch's cohort and vendor, and the inspection's decision
time; labelqc.intake.defect_trend and recurring_defects do the rest.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from apps.common.values import plain
from apps.intake.models import InspectionItem, InspectionStatus
from apps.intake.services.common import from_core
from labelqc.intake import DEFECT_TYPES, IntakeInputError, defect_trend, recurring_defects

GROUPS = {"batch": "batch_id", "cohort": "cohort_id", "vendor": "vendor"}
# "inspection": every decided inspection is its own period; else calendar buckets.
PERIODS = {"inspection": None, "day": "D", "week": "W", "month": "M"}
NO_COHORT = 0
NO_VENDOR = "(no vendor)"


def item_defects(*, project_id: int) -> pd.DataFrame:
    rows = InspectionItem.objects.filter(
        inspection__batch__project_id=project_id,
        inspection__status=InspectionStatus.DECIDED,
    ).select_related("inspection__batch__cohort")
    records = []
    for row in rows:
        batch = row.inspection.batch
        result = row.result or {}
        records.append(
            {
                "batch_id": batch.pk,
                "batch_name": batch.name,
                "cohort_id": batch.cohort_id or NO_COHORT,
                "cohort_name": batch.cohort.name if batch.cohort else "(no cohort)",
                "vendor": batch.vendor_label or NO_VENDOR,
                "inspection_id": row.inspection_id,
                "decided_at": row.inspection.decided_at,
                **{f"n_{name}": int(result.get(f"n_{name}", 0)) for name in DEFECT_TYPES},
                "defective": bool(row.defective),
            }
        )
    frame = pd.DataFrame.from_records(records)
    if len(frame):
        frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True)
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict("records"):
        clean = {}
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                clean[key] = value.isoformat()
            else:
                clean[key] = plain(value)
        out.append(clean)
    return out


def defect_trends(
    *, project_id: int, by: str, period: str, min_rate: float = 0.05, min_periods: int = 3
) -> dict[str, Any]:
    key = GROUPS[by]
    frame = item_defects(project_id=project_id)
    result: dict[str, Any] = {"by": by, "period": period, "trend": [], "recurring": []}
    if frame.empty:
        return result
    names: dict[Any, str] = {}
    if by == "batch":
        names = dict(zip(frame["batch_id"], frame["batch_name"], strict=True))
    elif by == "cohort":
        names = dict(zip(frame["cohort_id"], frame["cohort_name"], strict=True))
    try:
        trend = defect_trend(frame, period="decided_at", by=key, freq=PERIODS[period])
        recurring = recurring_defects(
            trend, period="decided_at", by=key, min_rate=min_rate, min_periods=min_periods
        )
    except IntakeInputError as error:
        raise from_core(error) from None
    trend = trend.rename(columns={"decided_at": "period"})
    if names:
        trend.insert(1, "name", trend[key].map(names))
        recurring.insert(1, "name", recurring[key].map(names))
    result["trend"] = _records(trend)
    result["recurring"] = _records(recurring)
    return result
