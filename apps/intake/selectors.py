"""Reads for intake: batches, lots, duplicate groups, delivered and reference label frames."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Sum

from apps.annotations.models import Annotation, Source
from apps.intake.models import (
    Batch,
    BatchInspection,
    BatchItem,
    InspectionItem,
    InspectionStatus,
)
from apps.workflow.models import Assignment, Review

FRAME_COLUMNS = ["item_id", "class_id", "x", "y", "w", "h", "occluded", "truncated"]
FRAME_DTYPES = {
    "item_id": np.int64,
    "class_id": np.int64,
    "x": float,
    "y": float,
    "w": float,
    "h": float,
    "occluded": bool,
    "truncated": bool,
}


def batches_of(*, project_id: int, status: str | None = None, kind: str | None = None):
    query = Batch.objects.filter(project_id=project_id).select_related("cohort")
    if status:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    return query.annotate(
        n_items=Count("memberships", distinct=True),
        n_held=Count("memberships", filter=Q(memberships__held=True), distinct=True),
    ).order_by("-id")


def batch_items(*, batch: Batch, held: bool | None = None, flagged: bool | None = None):
    query = batch.memberships.select_related("item")
    if held is not None:
        query = query.filter(held=held)
    if flagged is True:
        query = query.exclude(flags=[])
    elif flagged is False:
        query = query.filter(flags=[])
    return query.order_by("item_id")


def lot_item_ids(batch: Batch) -> list[int]:
    """The lot an inspection samples from: the batch's items that are not held (or dropped)."""
    return list(
        batch.memberships.filter(held=False).order_by("item_id").values_list("item_id", flat=True)
    )


def duplicate_groups(batch: Batch) -> list[dict[str, Any]]:
    """Near-duplicate groups (byte-identical copies included) of the latest screening."""
    rows = batch.memberships.filter(near_group__isnull=False).select_related("item")
    groups: dict[int, list[BatchItem]] = {}
    for row in rows.order_by("near_group", "item_id"):
        groups.setdefault(row.near_group, []).append(row)
    return [{"group": number, "members": members} for number, members in groups.items()]


def inspections_of(*, project_id: int, status: str | None = None) -> QuerySet[BatchInspection]:
    query = BatchInspection.objects.filter(batch__project_id=project_id).select_related("batch")
    return query.filter(status=status) if status else query


def sampled_item(*, inspection: BatchInspection, item_id: int) -> InspectionItem | None:
    return inspection.sampled.select_related("item").filter(item_id=item_id).first()


def _attribute(attributes: Any, name: str) -> bool:
    return bool((attributes or {}).get(name, False))


def delivered_frame(*, project_id: int, item_ids: list[int]) -> pd.DataFrame:
    """The delivered labels of the items, indexed by annotation id (shapes only, no tags).

    An item's delivery is its consensus shapes when it has any (the merged result of several
    annotators), else its human shapes. Gold, pre-label and tag annotations are never part of it.
    """
    query = (
        Annotation.objects.filter(
            project_id=project_id,
            item_id__in=item_ids,
            source__in=(Source.HUMAN, Source.CONSENSUS),
            x__isnull=False,
        )
        .exclude(geometry_type="tag")
        .values_list("id", "item_id", "label_class_id", "x", "y", "w", "h", "attributes", "source")
    )
    rows = list(query)
    with_consensus = {row[1] for row in rows if row[8] == Source.CONSENSUS}
    kept = [row for row in rows if (row[8] == Source.CONSENSUS) == (row[1] in with_consensus)]
    frame = pd.DataFrame(
        [
            (
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                _attribute(r[7], "occluded"),
                _attribute(r[7], "truncated"),
            )
            for r in kept
        ],
        columns=FRAME_COLUMNS,
        index=pd.Index([r[0] for r in kept], dtype=np.int64, name="annotation_id"),
    )
    return frame.astype(FRAME_DTYPES)


def reference_frame(sampled: list[InspectionItem]) -> pd.DataFrame:
    """The reviewers' reference shapes, indexed "item:position"."""
    records, labels = [], []
    for row in sampled:
        for position, shape in enumerate(row.reference or []):
            labels.append(f"{row.item_id}:{position}")
            records.append(
                (
                    row.item_id,
                    shape["class_id"],
                    shape["x"],
                    shape["y"],
                    shape["w"],
                    shape["h"],
                    bool(shape.get("occluded", False)),
                    bool(shape.get("truncated", False)),
                )
            )
    frame = pd.DataFrame(records, columns=FRAME_COLUMNS, index=pd.Index(labels, dtype=object))
    return frame.astype(FRAME_DTYPES)


def delivered_annotations(*, project_id: int, item_id: int) -> QuerySet[Annotation]:
    frame_ids = delivered_frame(project_id=project_id, item_ids=[item_id]).index.tolist()
    return Annotation.objects.filter(pk__in=frame_ids).order_by("id")


def batch_rollup(batch: Batch) -> dict[str, Any]:
    """Annotations, assignments, reviews and time of the batch's items, in one place."""
    item_ids = batch.memberships.values("item_id")
    annotations = Annotation.objects.filter(item_id__in=item_ids)
    by_source = dict(
        annotations.values_list("source").annotate(n=Count("id")).values_list("source", "n")
    )
    assignments = Assignment.objects.filter(item_id__in=item_ids, is_gold=False)
    by_status = dict(
        assignments.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    totals = assignments.aggregate(
        rework=Sum("rework_cycles"), server=Sum("server_seconds"), client=Sum("client_seconds")
    )
    reviews = Review.objects.filter(assignment__item_id__in=item_ids)
    review_status = dict(
        reviews.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    return {
        "annotations_by_source": by_source,
        "assignments_by_status": by_status,
        "assignment_rework_cycles": int(totals["rework"] or 0),
        "server_seconds": float(totals["server"] or 0.0),
        "client_seconds": float(totals["client"] or 0.0),
        "reviews_by_status": review_status,
        "batch_rework_cycles": batch.rework_cycles,
        "inspections": batch.inspections.count(),
        "decided_inspections": batch.inspections.filter(status=InspectionStatus.DECIDED).count(),
    }


def batch_cost(batch: Batch) -> dict[str, Any] | None:
    """Rework-inclusive cost of the batch's work (labelqc.cost), or None without rate cards."""
    from apps.costs import selectors as costs
    from labelqc.cost import CostInputError, actual_costs, summarize

    cards = costs.pure_rate_cards(project_id=batch.project_id)
    if not cards:
        return None
    log = costs.worklog(project_id=batch.project_id)
    if log.frame.empty:
        return None
    try:
        frame = actual_costs(log.frame, cards)
    except CostInputError as error:
        return {"error": str(error)}
    mine = frame[frame["item_id"].isin(set(batch.memberships.values_list("item_id", flat=True)))]
    return summarize(mine)[0] if len(mine) else None
