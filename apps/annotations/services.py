"""Writes for annotations: validated, all-or-nothing bulk creates, versioned edits, audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.annotations.models import Annotation, GeometryType, Source
from apps.annotations.selectors import item_held_by
from apps.audit.services import audit, audit_many, snapshot
from apps.common.exceptions import ServiceValidationError, VersionConflict
from apps.common.roles import MANAGERS, Role
from apps.common.rows import insert
from apps.items.models import Item
from apps.jobs.dispatch import job_send_on_commit
from apps.projects.models import Annotator
from apps.projects.selectors import project_class_ids
from labelqc.validation import box_errors, parse_box, shape_errors_and_extent

IMPORT_JOB_KIND = "annotations.import"

AUDIT_FIELDS = (
    "id",
    "item_id",
    "author_id",
    "model_id",
    "source",
    "label_class_id",
    "geometry_type",
    "geometry",
    "attributes",
    "score",
    "version",
)


def annotation_snapshot(annotation: Annotation) -> dict[str, Any]:
    data = snapshot(annotation)
    return {key: data[key] for key in AUDIT_FIELDS}


def _check_authorship(
    record: dict[str, Any], *, role: str, member: Annotator | None, authors: set[int]
) -> dict[str, str]:
    source = record.get("source", Source.HUMAN)
    if role in MANAGERS:
        author = record.get("author")
        if author is not None and author not in authors:
            return {"author": f"annotator {author} is not a member of this project"}
        if (
            author is None
            and not record.get("model_id")
            and source not in (Source.GOLD, Source.CONSENSUS)
        ):
            return {"author": "a human or pre-label annotation needs an author or a model_id"}
        return {}
    # Annotators and reviewers write their own human work only: source, model_id and author are
    # how pre-labels, gold and each person's work are told apart, so a labeler sets none of them.
    errors = {}
    if source != Source.HUMAN:
        errors["source"] = f"your role may only submit '{Source.HUMAN}' annotations"
    if record.get("model_id"):
        errors["model_id"] = "only managers may set a model_id: your annotations are human work"
    if record.get("author") not in (None, getattr(member, "pk", None)):
        errors["author"] = "you may only submit your own annotations"
    return errors


def validate_records(
    *,
    project_id: int,
    records: Sequence[dict[str, Any]],
    role: str,
    member: Annotator | None,
    item_sizes: dict[int, tuple[int, int]] | None = None,
) -> list[dict[str, Any]]:
    """Check every record against the project; raise with every error, or return row kwargs.

    `item_sizes` are (width, height) of items the caller already holds and knows to be in the
    project (the queue's assignment); other items are looked up. An annotator writes only on
    those: their labels go through the queue's submit, which scores honeypots and gates them.
    """
    item_ids = {int(r["item"]) for r in records}
    items = dict(item_sizes or {})
    held = set(items)
    if item_ids - items.keys():
        items.update(
            (pk, (w, h))
            for pk, w, h in Item.objects.filter(
                project_id=project_id, pk__in=item_ids - items.keys()
            ).values_list("pk", "width", "height")
        )
    classes = project_class_ids(project_id=project_id)
    authors = (
        set(Annotator.objects.filter(project_id=project_id).values_list("pk", flat=True))
        if role in MANAGERS and any(r.get("author") is not None for r in records)
        else set()
    )
    errors: dict[str, list[str]] = {}

    def fail(index: int, field: str, message: str) -> None:
        errors.setdefault(f"annotations[{index}].{field}", []).append(message)

    box_rows: list[int] = []
    box_values: list[list[float]] = []
    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        row: dict[str, Any] = {}
        rows.append(row)
        size = items.get(int(record["item"]))
        if size is None:
            fail(index, "item", f"item {record['item']} is not in this project")
        elif role == Role.ANNOTATOR and int(record["item"]) not in held:
            fail(index, "item", f"item {record['item']} is not your queue assignment")
        if int(record["label_class"]) not in classes:
            fail(index, "label_class", f"class {record['label_class']} is not in this project")
        for field, message in _check_authorship(
            record, role=role, member=member, authors=authors
        ).items():
            fail(index, field, message)
        if size is None:
            continue
        geometry_type = record["geometry_type"]
        geometry = record.get("geometry") or {}
        if geometry_type == GeometryType.BOX:
            values, parse_errors = parse_box(geometry)
            for field, message in parse_errors.items():
                fail(index, field, message)
            if values is not None:
                box_rows.append(index)
                box_values.append(values)
                row.update(
                    geometry={"x": values[0], "y": values[1], "w": values[2], "h": values[3]},
                    bbox=values,
                    area=values[2] * values[3],
                )
            continue
        shape_errors, normalised, bbox, area = shape_errors_and_extent(
            geometry_type, geometry, width=size[0], height=size[1]
        )
        for field, message in shape_errors.items():
            fail(index, field, message)
        row.update(geometry=normalised, bbox=bbox, area=area)
    if box_rows:
        sizes = np.array([items[int(records[i]["item"])] for i in box_rows], dtype=np.float64)
        for index, box_error in zip(
            box_rows, box_errors(np.array(box_values), sizes[:, 0], sizes[:, 1]), strict=True
        ):
            for field, message in box_error.items():
                fail(index, field, message)
    if errors:
        raise ServiceValidationError(errors)
    return rows


def annotations_bulk_create(
    *,
    actor: Any,
    project_id: int,
    records: Sequence[dict[str, Any]],
    role: str,
    member: Annotator | None,
    reason: str = "",
    item_sizes: dict[int, tuple[int, int]] | None = None,
) -> list[Annotation]:
    """Create every record or none: validation runs over all of them before anything is written."""
    rows = validate_records(
        project_id=project_id, records=records, role=role, member=member, item_sizes=item_sizes
    )
    now = timezone.now()
    annotations = []
    for record, row in zip(records, rows, strict=True):
        bbox = row["bbox"] or [None, None, None, None]
        author = record.get("author")
        if role not in MANAGERS:
            author = member.pk if member else None
        created_at: datetime = (
            record.get("created_at") if role in MANAGERS and record.get("created_at") else now
        )
        annotations.append(
            Annotation(
                project_id=project_id,
                item_id=int(record["item"]),
                author_id=author,
                model_id=record.get("model_id", "") or "",
                source=record.get("source", Source.HUMAN),
                label_class_id=int(record["label_class"]),
                geometry_type=record["geometry_type"],
                geometry=row["geometry"],
                x=bbox[0],
                y=bbox[1],
                w=bbox[2],
                h=bbox[3],
                area=row["area"],
                attributes=record.get("attributes") or {},
                score=record.get("score"),
                created_at=created_at,
                updated_at=now,
            )
        )
    # No savepoint inside a caller's transaction: an error here aborts the whole write anyway.
    with transaction.atomic(savepoint=False):
        created = insert(Annotation, annotations)
        audit_many(
            actor=actor,
            project_id=project_id,
            action="annotation.create",
            entity_type="annotations.annotation",
            changes=[(a.pk, None, annotation_snapshot(a)) for a in created],
            reason=reason,
        )
    return created


def _check_may_edit(annotation: Annotation, *, role: str, member: Annotator | None) -> None:
    if role in MANAGERS or role == Role.REVIEWER:
        return
    if annotation.author_id != getattr(member, "pk", None) or annotation.source != Source.HUMAN:
        raise ServiceValidationError("you may only change your own annotations", field="annotation")
    # Only on the work they hold now: a submitted (perhaps scored or reviewed) item, or one they
    # were never given, is out of their reach. The message does not say whether an item is gold.
    if not item_held_by(member=member, item_id=annotation.item_id):
        raise ServiceValidationError(
            f"item {annotation.item_id} is not an assignment you hold in the queue",
            field="annotation",
        )


def annotation_update(
    *,
    actor: Any,
    annotation: Annotation,
    base_version: int,
    changes: dict[str, Any],
    role: str,
    member: Annotator | None,
    reason: str = "",
) -> Annotation:
    """Apply an edit only if nobody changed the annotation since `base_version` (else 409)."""
    _check_may_edit(annotation, role=role, member=member)
    merged = {
        "item": annotation.item_id,
        "label_class": changes.get("label_class", annotation.label_class_id),
        "geometry_type": changes.get("geometry_type", annotation.geometry_type),
        "geometry": changes.get("geometry", annotation.geometry),
        "source": annotation.source,
        "author": annotation.author_id,
        "model_id": annotation.model_id,
    }
    # Edits are checked like creations, with the record's own author so authorship stays as is.
    row = validate_records(
        project_id=annotation.project_id, records=[merged], role=Role.ADMIN, member=member
    )[0]
    bbox = row["bbox"] or [None, None, None, None]
    values = {
        "label_class_id": int(merged["label_class"]),
        "geometry_type": merged["geometry_type"],
        "geometry": row["geometry"],
        "x": bbox[0],
        "y": bbox[1],
        "w": bbox[2],
        "h": bbox[3],
        "area": row["area"],
        "updated_at": timezone.now(),
    }
    if "attributes" in changes:
        values["attributes"] = changes["attributes"] or {}
    if "score" in changes:
        values["score"] = changes["score"]
    with transaction.atomic():
        before = annotation_snapshot(annotation)
        updated = Annotation.objects.filter(pk=annotation.pk, version=base_version).update(
            version=F("version") + 1, **values
        )
        current = Annotation.objects.get(pk=annotation.pk)
        if not updated:
            raise VersionConflict(current.version, annotation_snapshot(current))
        audit(
            actor=actor,
            project_id=annotation.project_id,
            action="annotation.update",
            entity=current,
            before=before,
            after=annotation_snapshot(current),
            reason=reason,
        )
    return current


def annotation_delete(
    *,
    actor: Any,
    annotation: Annotation,
    base_version: int | None,
    role: str,
    member: Annotator | None,
    reason: str = "",
) -> None:
    _check_may_edit(annotation, role=role, member=member)
    with transaction.atomic():
        before = annotation_snapshot(annotation)
        query = Annotation.objects.filter(pk=annotation.pk)
        if base_version is not None:
            query = query.filter(version=base_version)
        deleted, _ = query.delete()
        if not deleted:
            current = Annotation.objects.filter(pk=annotation.pk).first()
            if current is None:
                return
            raise VersionConflict(current.version, annotation_snapshot(current))
        audit(
            actor=actor,
            project_id=annotation.project_id,
            action="annotation.delete",
            entity=annotation,
            before=before,
            reason=reason,
        )


def import_job_start(
    *, actor: Any, project_id: int, records: list[dict[str, Any]], reason: str = ""
):
    """Queue a large bulk import; the job row carries the records so the message stays small."""
    from apps.jobs.services import job_create

    payload = [_jsonable(record) for record in records]
    job = job_create(
        kind=IMPORT_JOB_KIND,
        project_id=project_id,
        actor=actor,
        params={"reason": reason},
        payload=payload,
        total=len(payload),
    )
    job_send_on_commit(job)
    return job


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    created_at = record.get("created_at")
    return {**record, "created_at": created_at.isoformat() if created_at else None}


def import_job_run(job_id: int) -> None:
    from django.utils.dateparse import parse_datetime

    from apps.jobs.services import job_claim, job_failure_recorded

    job = job_claim(job_id)
    if job is None:
        return
    records = [
        {**r, "created_at": parse_datetime(r["created_at"]) if r.get("created_at") else None}
        for r in job.payload or []
    ]
    with job_failure_recorded(job_id, "annotation import"):
        _import_records(job, records)


def _import_records(job: Any, records: list[dict[str, Any]]) -> None:
    from apps.jobs.models import Job
    from apps.jobs.services import job_finish, job_lock_running

    job_id = job.pk
    try:
        # The job's success is written in the same transaction as the rows: all or nothing; a
        # job cancelled before this transaction writes nothing.
        with transaction.atomic():
            if not job_lock_running(job_id):
                return
            created = annotations_bulk_create(
                actor=job.created_by,
                project_id=job.project_id,
                records=records,
                role=Role.ADMIN,
                member=None,
                reason=job.params.get("reason", ""),
            )
            job_finish(job_id, result={"created": len(created)})
            Job.objects.filter(pk=job_id).update(progress_done=len(created))
    except ServiceValidationError as exc:
        job_finish(
            job_id, errors=[{"field": k, "messages": v} for k, v in exc.errors.items()], failed=True
        )
