"""Submitting an assignment: all-or-nothing shapes, time spent, correction effort, gold score."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from apps.annotations.models import Annotation, Source
from apps.annotations.services import annotation_delete, annotations_bulk_create
from apps.common.exceptions import ServiceValidationError, VersionConflict
from apps.common.roles import Role
from apps.common.rows import cursor, insert, quote, table
from apps.projects.models import Annotator, Project
from apps.projects.selectors import class_thresholds
from apps.workflow.models import (
    DEFAULT_REVIEW_QUEUE,
    Assignment,
    AssignmentStatus,
    CorrectionEffort,
    MissedObject,
    Review,
)
from apps.workflow.selectors import PRELABEL_SHAPE, prelabels_of
from labelqc.effort import EffortThresholds, correction_effort
from labelqc.geometry import box_iou, mask_iou
from labelqc.quality import score_against_gold


class AssignmentConflict(VersionConflict):
    """The assignment is not (or no longer) leased to this annotator."""

    def __init__(self, message: str, status: str):
        self.message = message
        super().__init__(current_version=0, current={"status": status, "detail": message})

    def __str__(self) -> str:
        return self.message


def _shape_iou(a: list[Annotation], b: list[Annotation]) -> np.ndarray:
    if all(x.geometry_type == "mask" for x in a + b) and a and b:
        return mask_iou([x.geometry["rle"] for x in a], [x.geometry["rle"] for x in b])

    def boxes(rows):
        return np.array([[r.x, r.y, r.w, r.h] for r in rows], dtype=np.float64).reshape(-1, 4)

    return box_iou(boxes(a), boxes(b))


def record_correction_effort(
    assignment: Assignment, project: Project, final: list[Annotation]
) -> int:
    prelabels = [
        p for p in prelabels_of(assignment.item_id, PRELABEL_SHAPE) if p.geometry_type != "tag"
    ]
    if not prelabels:
        return 0
    shapes = [a for a in final if a.geometry_type != "tag"]
    thresholds = EffortThresholds(project.effort_approved_iou, project.effort_minor_iou)
    final_index, iou, bucket = correction_effort(
        _shape_iou(prelabels, shapes),
        thresholds,
        [p.label_class_id for p in prelabels],
        [a.label_class_id for a in shapes],
    )
    CorrectionEffort.objects.bulk_create(
        CorrectionEffort(
            project_id=project.pk,
            assignment=assignment,
            prelabel=pre,
            final=shapes[index] if index >= 0 else None,
            final_label_class_id=shapes[index].label_class_id if index >= 0 else None,
            label_class_id=pre.label_class_id,
            iou=float(value),
            bucket=str(kind),
        )
        for pre, index, value, kind in zip(prelabels, final_index, iou, bucket, strict=True)
    )
    matched = set(final_index[final_index >= 0].tolist())
    model_id = "+".join(sorted({p.model_id for p in prelabels})) or "unknown"
    MissedObject.objects.bulk_create(
        MissedObject(
            project_id=project.pk,
            assignment=assignment,
            final=shape,
            label_class_id=shape.label_class_id,
            model_id=model_id,
        )
        for index, shape in enumerate(shapes)
        if index not in matched
    )
    return len(prelabels)


def _frame(rows: list[Annotation], annotator_id: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": [r.item_id for r in rows],
            "annotator_id": annotator_id,
            "class_id": [r.label_class_id for r in rows],
            "x": [r.x for r in rows],
            "y": [r.y for r in rows],
            "w": [r.w for r in rows],
            "h": [r.h for r in rows],
        }
    ).astype(
        {"item_id": "int64", "class_id": "int64", "x": float, "y": float, "w": float, "h": float}
    )


def score_honeypot(assignment: Assignment, final: list[Annotation]) -> float | None:
    """Accuracy = TP / (TP + FP + FN) of this submission against the item's gold shapes."""
    gold = list(
        Annotation.objects.filter(item_id=assignment.item_id, source=Source.GOLD).exclude(
            geometry_type="tag"
        )
    )
    shapes = [a for a in final if a.geometry_type != "tag"]
    if not gold and not shapes:
        return 1.0
    member = assignment.annotator_id
    table = score_against_gold(
        _frame(gold, -1),
        _frame(shapes, member),
        class_thresholds(project_id=assignment.project_id),
        assignments=pd.DataFrame({"item_id": [assignment.item_id], "annotator_id": [member]}),
        gold_items=[assignment.item_id],
    )
    if table.empty:
        return None
    accuracy = table["accuracy"].iloc[0]
    return None if accuracy is None or pd.isna(accuracy) else float(accuracy)


def goes_to_review(assignment: Assignment, project: Project) -> bool:
    """Deterministic sampling by assignment id, so a retried submit decides the same way."""
    if project.review_share >= 1.0:
        return True
    digest = hashlib.sha256(f"review:{assignment.pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < project.review_share


def _claim_submission(assignment: Assignment, member: Annotator, **changes: Any) -> None:
    """Mark the assignment submitted only if it is still as read: one of two racing submits wins.

    The conditional UPDATE is the lock: a concurrent submit waits on the row, then finds the
    status changed and gets a 409; a retried request does too, so nothing is stored twice.
    """
    fields = [Assignment._meta.get_field(name) for name in changes]
    columns = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Values prepared by their fields, as the ORM would (SQLite stores datetimes without offset).
    values = [field.get_db_prep_save(changes[field.name], connection) for field in fields]
    with cursor() as cursor_:
        cursor_.execute(
            f"UPDATE {table(Assignment)} SET {columns}"
            " WHERE id = %s AND annotator_id = %s AND status = %s",
            [*values, assignment.pk, member.pk, assignment.status],
        )
        claimed = cursor_.rowcount
    if not claimed:
        status = (
            Assignment.objects.filter(pk=assignment.pk, annotator_id=member.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status is None:
            raise AssignmentConflict("this assignment is not leased to you", "missing")
        raise AssignmentConflict(f"this assignment is already {status}", status)


def submit_assignment(
    *,
    actor: Any,
    member: Annotator,
    assignment_id: int,
    records: list[dict[str, Any]],
    client_seconds: float | None,
    reason: str = "",
    assignment: Assignment | None = None,
) -> tuple[Assignment, list[Annotation]]:
    """Store the annotator's shapes for a leased (or sent-back) assignment, all or nothing.

    `assignment` may be passed when the caller already loaded it (with its item); it is checked
    again against the database when the submission is claimed.
    """
    project = member.project
    if assignment is None or assignment.pk != assignment_id:
        assignment = Assignment.objects.select_related("item").filter(pk=assignment_id).first()
    if assignment is None or assignment.annotator_id != member.pk:
        raise AssignmentConflict("this assignment is not leased to you", "missing")
    if assignment.status not in (AssignmentStatus.LEASED, AssignmentStatus.REWORK):
        raise AssignmentConflict(
            f"this assignment is already {assignment.status}", assignment.status
        )
    for index, record in enumerate(records):
        if int(record["item"]) != assignment.item_id:
            raise ServiceValidationError(
                f"must be the assignment's item {assignment.item_id}",
                field=f"annotations[{index}].item",
            )
        record["source"] = Source.HUMAN
        record["author"] = member.pk
    was_rework = assignment.status == AssignmentStatus.REWORK
    now = timezone.now()
    started = assignment.leased_at or now
    submitted = {
        "status": AssignmentStatus.SUBMITTED,
        "submitted_at": now,
        "client_seconds": client_seconds,
        "server_seconds": (now - started).total_seconds(),
    }
    with transaction.atomic():
        _claim_submission(assignment, member, **submitted)
        for field, value in submitted.items():
            setattr(assignment, field, value)
        if was_rework:
            # The redo replaces the first pass, so its effort and miss records go with it (those
            # whose final shape is deleted below would be kept with a null shape).
            CorrectionEffort.objects.filter(assignment=assignment).delete()
            MissedObject.objects.filter(assignment=assignment).delete()
            previous = Annotation.objects.filter(
                item_id=assignment.item_id, author=member, source=Source.HUMAN
            )
            for old in previous:
                # Against the version just read: a shape changed meanwhile (a reviewer's edit)
                # is a 409, not deleted unseen with a stale snapshot in the audit trail.
                annotation_delete(
                    actor=actor,
                    annotation=old,
                    base_version=old.version,
                    role=Role.ADMIN,
                    member=member,
                    reason="replaced by rework",
                )
        created = (
            annotations_bulk_create(
                actor=actor,
                project_id=project.pk,
                records=records,
                role=Role.ANNOTATOR,
                member=member,
                reason=reason,
                item_sizes={assignment.item_id: (assignment.item.width, assignment.item.height)},
            )
            if records
            else []
        )
        if assignment.is_gold:
            assignment.gold_accuracy = score_honeypot(assignment, created)
            assignment.save(update_fields=["gold_accuracy"])
        record_correction_effort(assignment, project, created)
        if not assignment.is_gold and goes_to_review(assignment, project):
            (review,) = insert(
                Review,
                [
                    Review(
                        project_id=project.pk,
                        assignment=assignment,
                        queue=DEFAULT_REVIEW_QUEUE,
                        cycle=assignment.rework_cycles,
                    )
                ],
            )
            from apps.workflow.services.escalation import apply_rules_on_submit

            apply_rules_on_submit(review)
    return assignment, created
