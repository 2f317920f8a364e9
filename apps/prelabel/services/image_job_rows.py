"""Rows of an image pre-labeling job: closing, releasing, and the job's progress and summary."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from apps.jobs.models import Job
from apps.jobs.services import job_finish, job_progress
from apps.prelabel.models import PrelabelItem, PrelabelItemStatus

MAX_LISTED = 100


def release_rows(row_ids: list[int]) -> None:
    """Claimed rows not yet written go back to pending (a retry or a later run takes them)."""
    if row_ids:
        PrelabelItem.objects.filter(pk__in=row_ids, status=PrelabelItemStatus.RUNNING).update(
            status=PrelabelItemStatus.PENDING
        )


def close_row(row_id: int, status: str, detail: str = "", **values: Any) -> None:
    PrelabelItem.objects.filter(pk=row_id).update(
        status=status, detail=detail[:2000], finished_at=timezone.now(), **values
    )


def _counts(job_id: int) -> dict[str, int]:
    counts = dict.fromkeys(PrelabelItemStatus.values, 0)
    for status, n in (
        PrelabelItem.objects.filter(job_id=job_id)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    ):
        counts[status] = n
    return counts


def progress(job_id: int) -> None:
    counts = _counts(job_id)
    finished = counts["done"] + counts["failed"] + counts["skipped"]
    job_progress(job_id, done=finished, failures=counts["failed"])


def finish(job_id: int) -> None:
    counts = _counts(job_id)
    rows = PrelabelItem.objects.filter(job_id=job_id)
    failed = list(
        rows.filter(status=PrelabelItemStatus.FAILED)
        .order_by("id")
        .values_list("item_id", "detail")
    )
    scored = list(
        rows.filter(uncertainty_max__isnull=False).values_list("uncertainty_max", flat=True)
    )
    last = rows.exclude(model_id="").order_by("-id").values("backend", "model_id").first() or {}
    result = {
        "backend": last.get("backend") or Job.objects.get(pk=job_id).backend,
        "model_id": last.get("model_id", ""),
        "items": {key: counts[key] for key in ("done", "failed", "skipped", "pending")},
        "masks_created": rows.aggregate(n=Sum("n_masks"))["n"] or 0,
        "uncertainty": {
            "items_scored": len(scored),
            "mean_item_max": sum(scored) / len(scored) if scored else None,
            "max": max(scored) if scored else None,
        },
        "failed_items": [{"item": pk, "error": detail} for pk, detail in failed[:MAX_LISTED]],
    }
    errors = [{"field": f"items.{pk}", "messages": [detail]} for pk, detail in failed[:MAX_LISTED]]
    progress(job_id)
    all_failed = counts["failed"] > 0 and counts["done"] + counts["skipped"] == 0
    job_finish(job_id, result=result, errors=errors, failed=all_failed)
