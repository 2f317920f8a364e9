"""Per-class SLA compliance over each SLA's rolling window, from the analytics core.

IAA is the QA page's per-class alpha (labelqc.agreement.grid.class_alphas): the
one-vs-rest alpha of the class over every human shape in the window, all classes together,
pairing boxes at the quality report's `iaa_iou_threshold`. Alpha of the shapes of one class
alone says nothing about whether annotators agree on that class.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import F
from django.utils import timezone

from apps.analytics.frames import project_frames
from apps.analytics.services import report_params
from apps.projects.models import Project
from apps.projects.selectors import class_thresholds
from apps.workflow.models import ClassSla, Review, ReviewStatus
from labelqc.agreement.grid import class_alphas
from labelqc.quality import score_against_gold

DONE = (ReviewStatus.APPROVED, ReviewStatus.EDITED, ReviewStatus.REJECTED)
NOT_PAIRABLE = "no object of this class was drawn by two or more annotators"


def _gold_by_class(frames, thresholds: dict[int, float]) -> pd.DataFrame:
    gold_items = frames.items.loc[frames.items["is_gold"], "item_id"]
    on_gold = frames.annotations[frames.annotations["item_id"].isin(gold_items)]
    worked = frames.assignments[frames.assignments["is_gold"]][["item_id", "annotator_id"]]
    if worked.empty:
        return pd.DataFrame()
    gold = frames.gold[frames.gold["item_id"].isin(worked["item_id"])]
    return score_against_gold(
        gold, on_gold, thresholds, by=("class_id",), assignments=worked
    ).set_index("class_id")


def _turnaround_hours(project_id: int, since) -> dict[int, float]:
    """p90 hours from lease to final review decision, per class present in the submission."""
    rows = list(
        Review.objects.filter(project_id=project_id, status__in=DONE, decided_at__gte=since)
        .annotate(
            leased=F("assignment__leased_at"),
            item=F("assignment__item_id"),
            author=F("assignment__annotator_id"),
        )
        .values_list("item", "author", "leased", "decided_at")
    )
    if not rows:
        return {}
    from apps.annotations.models import Annotation

    frame = pd.DataFrame(rows, columns=["item_id", "author_id", "leased", "decided"])
    frame["hours"] = (
        pd.to_datetime(frame["decided"]) - pd.to_datetime(frame["leased"])
    ).dt.total_seconds() / 3600
    classes = pd.DataFrame(
        list(
            Annotation.objects.filter(item_id__in=frame["item_id"].unique(), source="human")
            .values_list("item_id", "author_id", "label_class_id")
            .distinct()
        ),
        columns=["item_id", "author_id", "class_id"],
    )
    joined = frame.merge(classes, on=["item_id", "author_id"])
    return joined.groupby("class_id")["hours"].quantile(0.9).to_dict()


def _check(value: float | None, target: float | None, higher_is_better: bool) -> bool | None:
    if target is None or value is None:
        return None
    return bool(value >= target) if higher_is_better else bool(value <= target)


def _number(value: Any) -> float | None:
    return (
        None
        if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value)
        else float(value)
    )


def _class_agreement(project_id: int, since, iou_threshold: float) -> dict[int, dict]:
    """Per-class alpha over the window; every class, so one-vs-rest has a "rest"."""
    frames = project_frames(project_id=project_id, since=since)
    return class_alphas(frames.annotations, iou_threshold=iou_threshold)


def class_sla_compliance(*, project_id: int) -> dict[str, Any]:
    now = timezone.now()
    results = []
    thresholds = class_thresholds(project_id=project_id)
    iaa_threshold = float(report_params(Project.objects.get(pk=project_id), "1D").iaa_iou_threshold)
    agreement_by_window: dict[int, dict[int, dict]] = {}
    for sla in ClassSla.objects.filter(project_id=project_id).select_related("label_class"):
        since = now - timedelta(days=sla.window_days)
        frames = project_frames(project_id=project_id, since=since, class_ids=[sla.label_class_id])
        gold = _gold_by_class(frames, thresholds)
        row = gold.loc[sla.label_class_id] if sla.label_class_id in gold.index else None
        median_iou = _number(row["median_iou"]) if row is not None else None
        recall = _number(row["recall"]) if row is not None else None
        missing = None if recall is None else 1.0 - recall
        if sla.window_days not in agreement_by_window:
            agreement_by_window[sla.window_days] = _class_agreement(
                project_id, since, iaa_threshold
            )
        agreement = agreement_by_window[sla.window_days].get(sla.label_class_id)
        iaa = _number(agreement["alpha"]) if agreement is not None else None
        iaa_reason = (agreement or {}).get("reason") or NOT_PAIRABLE
        turnaround = _turnaround_hours(project_id, since).get(sla.label_class_id)
        checks = {
            "iou": _check(median_iou, sla.iou_threshold, True),
            "iaa": _check(iaa, sla.iaa_floor, True),
            "missing_rate": _check(missing, sla.missing_rate_ceiling, False),
            "turnaround": _check(_number(turnaround), sla.turnaround_hours, False),
        }
        results.append(
            {
                "label_class": sla.label_class_id,
                "class_name": sla.label_class.name,
                "window_days": sla.window_days,
                "targets": {
                    "iou_threshold": sla.iou_threshold,
                    "iaa_floor": sla.iaa_floor,
                    "missing_rate_ceiling": sla.missing_rate_ceiling,
                    "turnaround_hours": sla.turnaround_hours,
                },
                "observed": {
                    "median_iou": median_iou,
                    "iaa": iaa,
                    "missing_rate": missing,
                    "turnaround_hours_p90": _number(turnaround),
                },
                "compliant": checks,
                "breaches": [name for name, ok in checks.items() if ok is False],
                "reasons": {"iaa": iaa_reason} if iaa is None else {},
            }
        )
    return {"computed_at": now.isoformat(), "classes": results}
