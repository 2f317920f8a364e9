"""Acceptance inspection of a batch: draw the sample, collect the review, decide.

Blind mode: a reviewer re-annotates each sampled item without seeing the delivered labels; the
reference shapes are kept on the inspection (validated like annotations, never stored as
annotations) and labelqc.intake.classify_defects compares the delivery with them. Direct mode:
the reviewer marks defects by type per item. The lot is accepted or rejected by the plan
(labelqc.intake.decide); a rejection sends the batch back as one rework cycle: the batch's
submitted assignments go to rework with rework_cycles + 1, which the cost model counts.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.annotations.services import validate_records
from apps.audit.services import audit, audit_many, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.common.values import plain
from apps.intake import selectors
from apps.intake.models import (
    Batch,
    BatchInspection,
    BatchStatus,
    InspectionItem,
    InspectionStatus,
    ReviewMode,
    SamplingPlan,
    Verdict,
)
from apps.intake.services.common import from_core, require_status
from apps.intake.services.plans import core_plan
from apps.intake.services.screening import screening_active
from apps.projects.selectors import class_thresholds
from apps.workflow.models import Assignment, AssignmentStatus
from labelqc.intake import (
    DEFECT_TYPES,
    IntakeInputError,
    classify_defects,
    decide,
    sample_items,
)
from labelqc.intake import SamplingPlan as CorePlan

INSPECTABLE = (
    BatchStatus.DRAFT,
    BatchStatus.SCREENING,
    BatchStatus.RELEASED,
    BatchStatus.DELIVERED,
    BatchStatus.REJECTED,
)
ASSIGNMENT_AUDIT = ("id", "item_id", "annotator_id", "status", "rework_cycles")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def inspection_start(*, actor: Any, batch: Batch, seed: int | None = None) -> BatchInspection:
    """Draw the sample by the project's plan for the batch's lot and open the review work."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        require_status(batch, INSPECTABLE, "inspect")
        setting = SamplingPlan.objects.filter(project_id=batch.project_id).first()
        if setting is None:
            raise ServiceValidationError(
                "the project has no sampling plan; PUT one first", field="sampling_plan"
            )
        if screening_active(batch):
            raise ServiceValidationError("a screening of this batch is running", field="batch")
        lot = selectors.lot_item_ids(batch)
        if len(lot) < 2:
            raise ServiceValidationError(
                f"the lot has {len(lot)} item(s) that are not held; at least 2 are needed",
                field="batch",
            )
        plan = core_plan(setting, len(lot))
        seed = secrets.randbelow(2**31) if seed is None else seed
        try:
            sampled = [int(v) for v in sample_items(lot, plan.sample_size, seed)]
        except IntakeInputError as error:
            raise from_core(error) from None
        inspection = BatchInspection.objects.create(
            batch=batch,
            plan=asdict(plan),
            lot_size=plan.lot_size,
            sample_size=plan.sample_size,
            accept_number=plan.accept_number,
            reject_number=plan.reject_number,
            seed=seed,
            lot_item_ids=lot,
            sampled_item_ids=sampled,
            review_mode=setting.review_mode,
            rework_cycle=batch.rework_cycles,
            created_by=_user(actor),
        )
        InspectionItem.objects.bulk_create(
            InspectionItem(inspection=inspection, item_id=item_id) for item_id in sampled
        )
        with audited_change(
            actor=actor,
            action="intake.batch.update",
            entity=batch,
            reason=f"inspection {inspection.pk} started",
        ):
            batch.status = BatchStatus.SAMPLING
            batch.save(update_fields=["status"])
            audit(
                actor=actor,
                project_id=batch.project_id,
                action="intake.inspection.start",
                entity=inspection,
                after=_inspection_snapshot(inspection),
            )
    return inspection


def _inspection_snapshot(inspection: BatchInspection) -> dict[str, Any]:
    data = snapshot(inspection)
    data.pop("lot_item_ids", None)
    return data


def _open_item(inspection: BatchInspection, item_id: int, mode: str) -> InspectionItem:
    # Locked like the decision, so a review never lands on an inspection being decided.
    inspection = BatchInspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status != InspectionStatus.OPEN:
        raise ServiceValidationError("this inspection is already decided", field="inspection")
    if inspection.review_mode != mode:
        raise ServiceValidationError(
            f"this inspection is reviewed in {inspection.review_mode} mode", field="review_mode"
        )
    sampled = InspectionItem.objects.select_for_update().filter(
        inspection=inspection, item_id=item_id
    )
    row = sampled.first()
    if row is None:
        raise ServiceValidationError(f"item {item_id} is not in this sample", field="item")
    return row


def _reviewed(row: InspectionItem, actor: Any, note: str, action: str, **review: Any) -> None:
    """Save the review of a sampled item (the given fields, the note, who and when), audited."""
    project_id = row.inspection.batch.project_id
    with audited_change(actor=actor, action=action, entity=row, project_id=project_id):
        for key, value in review.items():
            setattr(row, key, value)
        row.note = note
        row.reviewed_by = _user(actor)
        row.reviewed_at = timezone.now()
        row.save()


@transaction.atomic
def reference_submit(
    *,
    actor: Any,
    inspection: BatchInspection,
    item_id: int,
    records: list[dict[str, Any]],
    note: str = "",
) -> InspectionItem:
    """Blind mode: store the reviewer's reference shapes for a sampled item (replacing any)."""
    row = _open_item(inspection, item_id, ReviewMode.BLIND)
    full = [
        {**record, "item": item_id, "source": "human", "author": None, "model_id": ""}
        for record in records
    ]
    checked = validate_records(
        project_id=inspection.batch.project_id, records=full, role=Role.REVIEWER, member=None
    )
    reference = []
    for index, (record, result) in enumerate(zip(records, checked, strict=True)):
        if result["bbox"] is None:
            raise ServiceValidationError(
                "the shape is empty", field=f"annotations[{index}].geometry"
            )
        x, y, w, h = result["bbox"]
        attributes = record.get("attributes") or {}
        reference.append(
            {
                "class_id": int(record["label_class"]),
                "geometry_type": record["geometry_type"],
                "geometry": result["geometry"],
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "area": result["area"],
                "occluded": bool(attributes.get("occluded", False)),
                "truncated": bool(attributes.get("truncated", False)),
            }
        )
    _reviewed(row, actor, note, "intake.inspection.reference", reference=reference)
    return row


@transaction.atomic
def defects_mark(
    *,
    actor: Any,
    inspection: BatchInspection,
    item_id: int,
    counts: dict[str, int],
    note: str = "",
) -> InspectionItem:
    """Direct mode: the reviewer's defect counts by type for a sampled item (replacing any)."""
    row = _open_item(inspection, item_id, ReviewMode.DIRECT)
    unknown = sorted(set(counts) - set(DEFECT_TYPES))
    if unknown:
        raise ServiceValidationError(
            f"unknown defect type(s) {unknown}; one of {list(DEFECT_TYPES)}", field="defects"
        )
    marks = {name: int(counts.get(name, 0)) for name in DEFECT_TYPES}
    _reviewed(row, actor, note, "intake.inspection.defects", marks=marks)
    return row


def _blind_results(inspection: BatchInspection, sampled: list[InspectionItem]):
    project_id = inspection.batch.project_id
    item_ids = [row.item_id for row in sampled]
    report = classify_defects(
        selectors.delivered_frame(project_id=project_id, item_ids=item_ids),
        selectors.reference_frame(sampled),
        class_thresholds(project_id=project_id),
        items=item_ids,
    )
    per_item = {
        int(record["item_id"]): {
            key: (bool(value) if key == "defective" else int(value))
            for key, value in record.items()
            if key != "item_id"
        }
        for record in report.items.to_dict("records")
    }
    defects = [
        {key: plain(value) for key, value in record.items()}
        for record in report.defects.to_dict("records")
    ]
    return per_item, defects


def _direct_results(sampled: list[InspectionItem]):
    per_item, defects = {}, []
    for row in sampled:
        marks = row.marks or {}
        counts = {f"n_{name}": int(marks.get(name, 0)) for name in DEFECT_TYPES}
        total = sum(counts.values())
        per_item[row.item_id] = {**counts, "n_defects": total, "defective": total > 0}
        defects.extend(
            {"item_id": row.item_id, "defect_type": name, "count": int(marks[name])}
            for name in DEFECT_TYPES
            if marks.get(name)
        )
    return per_item, defects


def _summary(per_item: dict[int, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    n_items = len(per_item)
    summary = {}
    for name in DEFECT_TYPES:
        counts = [result[f"n_{name}"] for result in per_item.values()]
        affected = sum(1 for count in counts if count > 0)
        summary[name] = {
            "n_defects": int(sum(counts)),
            "n_items_affected": affected,
            "item_rate": affected / n_items if n_items else None,
        }
    return summary


def inspection_decide(*, actor: Any, inspection: BatchInspection) -> BatchInspection:
    """Classify, count defective items, accept or reject by the plan, and apply the verdict."""
    with transaction.atomic():
        inspection = BatchInspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.status != InspectionStatus.OPEN:
            raise ServiceValidationError("this inspection is already decided", field="status")
        sampled = list(inspection.sampled.select_related("inspection__batch").order_by("item_id"))
        waiting = [row.item_id for row in sampled if row.reviewed_at is None]
        if waiting:
            raise ServiceValidationError(
                f"{len(waiting)} sampled item(s) not reviewed yet: {waiting[:20]}", field="items"
            )
        if inspection.review_mode == ReviewMode.BLIND:
            per_item, defects = _blind_results(inspection, sampled)
        else:
            per_item, defects = _direct_results(sampled)
        n_defective = sum(1 for result in per_item.values() if result["defective"])
        verdict = decide(n_defective, CorePlan(**inspection.plan))
        for row in sampled:
            row.result = {k: v for k, v in per_item[row.item_id].items() if k != "defective"}
            row.defective = per_item[row.item_id]["defective"]
        InspectionItem.objects.bulk_update(sampled, ["result", "defective"])
        before = _inspection_snapshot(inspection)
        inspection.status = InspectionStatus.DECIDED
        inspection.n_defective = n_defective
        inspection.defect_summary = _summary(per_item)
        inspection.defects = defects
        inspection.verdict = verdict.verdict
        inspection.decided_by = _user(actor)
        inspection.decided_at = timezone.now()
        if verdict.verdict == Verdict.REJECT:
            inspection.reworked_assignments = _send_back(actor, inspection)
        inspection.save()
        audit(
            actor=actor,
            project_id=inspection.batch.project_id,
            action=f"intake.inspection.{verdict.verdict}",
            entity=inspection,
            before=before,
            after=_inspection_snapshot(inspection),
        )
        _apply_to_batch(actor, inspection)
    return inspection


def _apply_to_batch(actor: Any, inspection: BatchInspection) -> None:
    batch = Batch.objects.select_for_update().get(pk=inspection.batch_id)
    with audited_change(
        actor=actor,
        action=f"intake.batch.{inspection.verdict}",
        entity=batch,
        reason=f"inspection {inspection.pk}: {inspection.n_defective} defective of "
        f"{inspection.sample_size} (Ac {inspection.accept_number})",
    ):
        if inspection.verdict == Verdict.ACCEPT:
            batch.status = BatchStatus.ACCEPTED
        else:
            batch.status = BatchStatus.REJECTED
            batch.rework_cycles += 1
        batch.save(update_fields=["status", "rework_cycles"])


def _send_back(actor: Any, inspection: BatchInspection) -> int:
    """One rework cycle for every submitted (non-gold) assignment of the batch's lot."""
    query = Assignment.objects.select_for_update().filter(
        project_id=inspection.batch.project_id,
        item_id__in=inspection.lot_item_ids,
        status=AssignmentStatus.SUBMITTED,
        is_gold=False,
    )
    before = {row["id"]: row for row in query.values(*ASSIGNMENT_AUDIT)}
    ids = list(before)
    Assignment.objects.filter(pk__in=ids).update(
        status=AssignmentStatus.REWORK, rework_cycles=F("rework_cycles") + 1
    )
    after = Assignment.objects.filter(pk__in=ids).values(*ASSIGNMENT_AUDIT)
    audit_many(
        actor=actor,
        project_id=inspection.batch.project_id,
        action="workflow.assignment.rework",
        entity_type=Assignment._meta.label_lower,
        changes=[(row["id"], before[row["id"]], row) for row in after],
        reason=f"batch {inspection.batch_id} rejected by inspection {inspection.pk}",
    )
    return len(ids)
