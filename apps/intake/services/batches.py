"""Batches: create, edit, add items (existing or uploaded), decide held items, release."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit, audit_many, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError, unique_or_400
from apps.intake.models import (
    BEFORE_RELEASE,
    Batch,
    BatchItem,
    BatchStatus,
    Decision,
)
from apps.intake.services.common import member_snapshot, require_status
from apps.intake.services.screening import screening_active
from apps.items.models import Item
from apps.items.services import inspect_image, item_create_from_upload, read_upload
from apps.projects.models import Cohort

EDITABLE = ("name", "kind", "cohort", "vendor", "notes")
# PATCH may move a batch to "delivered" (its labels are in) from these states.
DELIVERABLE_FROM = (BatchStatus.RELEASED, BatchStatus.REJECTED)


def _check_cohort(project_id: int, cohort_id: int | None) -> None:
    if cohort_id is not None and not Cohort.objects.filter(pk=cohort_id, project_id=project_id):
        raise ServiceValidationError(f"cohort {cohort_id} is not in this project", field="cohort")


def _check_name(project_id: int, name: str, exclude: int | None = None) -> None:
    taken = Batch.objects.filter(project_id=project_id, name=name).exclude(pk=exclude)
    if taken.exists():
        raise ServiceValidationError("a batch of this project already has this name", field="name")


@transaction.atomic
def batch_create(*, actor: Any, project_id: int, data: dict[str, Any]) -> Batch:
    _check_cohort(project_id, data.get("cohort"))
    _check_name(project_id, data["name"])
    batch = Batch.objects.create(
        project_id=project_id,
        name=data["name"],
        kind=data.get("kind") or Batch._meta.get_field("kind").default,
        cohort_id=data.get("cohort"),
        vendor=data.get("vendor", ""),
        notes=data.get("notes", ""),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit(
        actor=actor,
        project_id=project_id,
        action="intake.batch.create",
        entity=batch,
        after=snapshot(batch),
    )
    return batch


@transaction.atomic
def batch_update(*, actor: Any, batch: Batch, changes: dict[str, Any]) -> Batch:
    with audited_change(actor=actor, action="intake.batch.update", entity=batch):
        if "cohort" in changes:
            _check_cohort(batch.project_id, changes["cohort"])
            batch.cohort_id = changes["cohort"]
        if "name" in changes:
            _check_name(batch.project_id, changes["name"], exclude=batch.pk)
        for key in ("name", "kind", "vendor", "notes"):
            if key in changes:
                setattr(batch, key, changes[key])
        if "status" in changes and changes["status"] != batch.status:
            if changes["status"] != BatchStatus.DELIVERED:
                raise ServiceValidationError(
                    "only 'delivered' can be set here; other states follow from screening, "
                    "release and inspection",
                    field="status",
                )
            require_status(batch, DELIVERABLE_FROM, "mark delivered")
            batch.status = BatchStatus.DELIVERED
        batch.save()
    return batch


@transaction.atomic
def batch_delete(*, actor: Any, batch: Batch) -> None:
    """Delete a batch before release: its memberships go, the items stay in the project."""
    require_status(batch, BEFORE_RELEASE, "delete")
    audit(
        actor=actor,
        project_id=batch.project_id,
        action="intake.batch.delete",
        entity=batch,
        before={**snapshot(batch), "item_ids": list(batch_item_ids(batch))},
    )
    batch.delete()


def batch_item_ids(batch: Batch) -> list[int]:
    return list(batch.memberships.order_by("item_id").values_list("item_id", flat=True))


def _check_open_for_items(batch: Batch) -> None:
    require_status(batch, BEFORE_RELEASE, "add items to")
    if screening_active(batch):
        raise ServiceValidationError(
            "a screening of this batch is running; add items when it has finished", field="batch"
        )


def _memberships(actor: Any, batch: Batch, item_ids: list[int], reason: str) -> list[BatchItem]:
    # the check above read before this write: a concurrent request may have taken an item since
    with unique_or_400("item_ids", "an item was added to another batch meanwhile; retry"):
        rows = BatchItem.objects.bulk_create([BatchItem(batch=batch, item_id=i) for i in item_ids])
    audit_many(
        actor=actor,
        project_id=batch.project_id,
        action="intake.batch_item.add",
        entity_type=BatchItem._meta.label_lower,
        changes=[(row.pk, None, member_snapshot(row)) for row in rows],
        reason=reason,
    )
    if batch.status != BatchStatus.DRAFT:
        # New items are unscreened: the batch needs screening again before release.
        with audited_change(
            actor=actor,
            action="intake.batch.update",
            entity=batch,
            reason="items added: screening needed again",
        ):
            batch.status = BatchStatus.DRAFT
            batch.save(update_fields=["status"])
    return rows


@transaction.atomic
def batch_add_items(*, actor: Any, batch: Batch, item_ids: list[int]) -> list[BatchItem]:
    """Add existing items of the project; each item may belong to one batch only."""
    _check_open_for_items(batch)
    seen: set[int] = set()
    for index, item_id in enumerate(item_ids):
        if item_id in seen:
            raise ServiceValidationError(
                f"item {item_id} is listed twice", field=f"item_ids[{index}]"
            )
        seen.add(item_id)
    found = dict(
        Item.objects.filter(project_id=batch.project_id, pk__in=seen).values_list("pk", "is_gold")
    )
    taken = dict(BatchItem.objects.filter(item_id__in=seen).values_list("item_id", "batch__name"))
    errors: dict[str, list[str]] = {}
    for index, item_id in enumerate(item_ids):
        if item_id not in found:
            errors[f"item_ids[{index}]"] = [f"item {item_id} is not in this project"]
        elif found[item_id]:
            errors[f"item_ids[{index}]"] = [f"item {item_id} is a gold (honeypot) item"]
        elif item_id in taken:
            errors[f"item_ids[{index}]"] = [
                f"item {item_id} is already in batch {taken[item_id]!r}"
            ]
    if errors:
        raise ServiceValidationError(errors)
    return _memberships(actor, batch, item_ids, "items added")


@transaction.atomic
def batch_add_uploads(*, actor: Any, batch: Batch, uploads: list[Any]) -> list[BatchItem]:
    """Register every uploaded image as an item of the batch, or none (a bad file is a 400).

    Every file is decoded before anything is stored, so a corrupt file in a delivery is
    reported by position and name and nothing is half-imported.
    """
    _check_open_for_items(batch)
    errors: dict[str, list[str]] = {}
    for index, upload in enumerate(uploads):
        try:
            data = read_upload(upload, field=f"files[{index}]")
        except ServiceValidationError as error:
            errors.update(error.errors)
            continue
        upload.seek(0)
        name = getattr(upload, "name", "") or f"file {index}"
        if not data:
            errors[f"files[{index}]"] = [f"{name}: the file is empty"]
            continue
        try:
            inspect_image(data, field=f"files[{index}]")
        except ServiceValidationError as error:
            for field, messages in error.errors.items():
                errors[field] = [f"{name}: {message}" for message in messages]
    if errors:
        raise ServiceValidationError(errors)
    items = [
        item_create_from_upload(actor=actor, project_id=batch.project_id, upload=upload)
        for upload in uploads
    ]
    return _memberships(actor, batch, [item.pk for item in items], "files uploaded")


def _released(batch: Batch) -> bool:
    return batch.status not in BEFORE_RELEASE


@transaction.atomic
def batch_item_decide(*, actor: Any, membership: BatchItem, decision: str) -> BatchItem:
    """keep / release: no longer held; drop: held out of the queue and the lot for good."""
    batch = Batch.objects.select_for_update().get(pk=membership.batch_id)
    if decision == Decision.DROP and _released(batch):
        raise ServiceValidationError(
            "this batch is already released; an item can no longer be dropped", field="decision"
        )
    if membership.screened_at is None:
        raise ServiceValidationError(
            "screen the batch first: this item has no screening result", field="decision"
        )
    before = member_snapshot(membership)
    was_held = membership.held
    membership.decision = decision
    membership.held = decision == Decision.DROP
    membership.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    membership.decided_at = timezone.now()
    membership.save()
    audit(
        actor=actor,
        project_id=batch.project_id,
        action=f"intake.batch_item.{decision}",
        entity=membership,
        before=before,
        after=member_snapshot(membership),
    )
    if was_held and not membership.held and _released(batch):
        _queue(batch, [membership.item_id])
    return membership


def _queue(batch: Batch, item_ids: list[int]) -> int:
    from apps.workflow.services.queue import ensure_slots

    return ensure_slots(project_id=batch.project_id, item_ids=item_ids)


@transaction.atomic
def batch_release(*, actor: Any, batch: Batch) -> dict[str, Any]:
    """Create the queue's slots for every item that is not held; held items stay out.

    Needs a finished screening of every item. Releasing again (after more items were kept)
    adds the newly kept items only.
    """
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    require_status(batch, (*BEFORE_RELEASE, BatchStatus.RELEASED), "release")
    if screening_active(batch):
        raise ServiceValidationError("a screening of this batch is running", field="screening")
    memberships = batch.memberships.all()
    if not memberships.exists():
        raise ServiceValidationError("the batch has no items", field="batch")
    unscreened = memberships.filter(screened_at__isnull=True).count()
    if unscreened:
        raise ServiceValidationError(
            f"{unscreened} item(s) have not been screened yet; screen the batch first",
            field="screening",
        )
    released = list(memberships.filter(held=False).values_list("item_id", flat=True))
    held = memberships.filter(held=True).count()
    before = snapshot(batch)
    batch.status = BatchStatus.RELEASED
    batch.released_at = batch.released_at or timezone.now()
    batch.save(update_fields=["status", "released_at"])
    # After the status change: the queue serves only items of released batches.
    slots = _queue(batch, released)
    summary = {"released_items": len(released), "held_items": held, "slots_created": slots}
    audit(
        actor=actor,
        project_id=batch.project_id,
        action="intake.batch.release",
        entity=batch,
        before=before,
        after={**snapshot(batch), **summary},
    )
    return {"batch": batch, **summary}
