"""Screening a batch: thresholds per project, a Celery job with progress, results per item.

The task (labelqc.intake.screen_batch, default queue) claims the job row first, reads each
item's stored file, runs labelqc.intake.screen_batch and writes flags, duplicate groups and
keep/drop suggestions in one transaction with the job's success. A file that is missing or
cannot be decoded is reported as unreadable (in the item's row and the job's errors); it never
fails the job. Flagged items and suggested drops are held unless a person already decided.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, fields
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit, audit_many, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.common.values import plain
from apps.intake.models import (
    BEFORE_RELEASE,
    Batch,
    BatchItem,
    BatchStatus,
    Decision,
    ScreeningRun,
    ScreeningSettings,
    ScreeningStatus,
)
from apps.intake.services.common import from_core, member_snapshot, require_status
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import JobStatus
from apps.jobs.services import (
    job_claim,
    job_create,
    job_finish,
    job_is_cancelled,
    job_lock_running,
    job_progress,
)
from labelqc.intake import QUALITY_FLAGS, IntakeInputError, ScreeningThresholds, screen_batch

logger = logging.getLogger("labelqc.intake")
SCREEN_KIND = "intake.screen"
MEASURES = (
    "width",
    "height",
    "aspect_ratio",
    "laplacian_var",
    "mean_luminance",
    "dark_share",
    "bright_share",
)
PROGRESS_STEPS = 50


class _Cancelled(Exception):
    pass


def screening_active(batch: Batch) -> bool:
    """A screening job of the batch is queued or running (the job row is the truth)."""
    return ScreeningRun.objects.filter(
        batch=batch, job__status__in=(JobStatus.PENDING, JobStatus.RUNNING)
    ).exists()


def settings_of(project_id: int) -> ScreeningSettings:
    found = ScreeningSettings.objects.filter(project_id=project_id).first()
    return found or ScreeningSettings(project_id=project_id, hold_flags=list(QUALITY_FLAGS))


def thresholds_of(stored: ScreeningSettings) -> ScreeningThresholds:
    return ScreeningThresholds(**stored.thresholds)


def hold_flags_of(stored: ScreeningSettings) -> list[str]:
    return list(stored.hold_flags) if stored.pk else list(QUALITY_FLAGS)


@transaction.atomic
def settings_set(*, actor: Any, project_id: int, data: dict[str, Any]) -> ScreeningSettings:
    """Replace the thresholds (fields left out take the defaults) and the flags that hold."""
    thresholds = dict(data.get("thresholds") or {})
    known = [field.name for field in fields(ScreeningThresholds)]
    unknown = sorted(set(thresholds) - set(known))
    if unknown:
        raise ServiceValidationError(
            {f"thresholds.{name}": [f"unknown threshold; one of {known}"] for name in unknown}
        )
    try:
        ScreeningThresholds(**thresholds)
    except IntakeInputError as error:
        raise from_core(error, prefix="thresholds.") from None
    hold = data.get("hold_flags", list(QUALITY_FLAGS))
    unknown = sorted(set(hold) - set(QUALITY_FLAGS))
    if unknown:
        raise ServiceValidationError(
            f"unknown flag(s) {unknown}; one of {list(QUALITY_FLAGS)}", field="hold_flags"
        )
    stored = ScreeningSettings.objects.select_for_update().filter(project_id=project_id).first()
    before = snapshot(stored) if stored else None
    stored = stored or ScreeningSettings(project_id=project_id)
    stored.thresholds = thresholds
    stored.hold_flags = sorted(set(hold), key=QUALITY_FLAGS.index)
    stored.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    stored.save()
    audit(
        actor=actor,
        project_id=project_id,
        action="intake.screening_settings.set",
        entity=stored,
        before=before,
        after=snapshot(stored),
    )
    return stored


def screening_start(*, actor: Any, batch: Batch) -> ScreeningRun:
    """Queue a screening of every item of the batch (202 + job to poll)."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        require_status(batch, BEFORE_RELEASE, "screen")
        total = batch.memberships.count()
        if not total:
            raise ServiceValidationError("the batch has no items", field="batch")
        if screening_active(batch):
            raise ServiceValidationError("a screening of this batch is running", field="batch")
        # Runs whose job was cancelled before their task ran say so.
        batch.screening_runs.filter(
            status__in=(ScreeningStatus.PENDING, ScreeningStatus.RUNNING),
            job__status=JobStatus.CANCELLED,
        ).update(status=ScreeningStatus.CANCELLED)
        stored = settings_of(batch.project_id)
        thresholds = thresholds_of(stored)
        job = job_create(
            kind=SCREEN_KIND,
            project_id=batch.project_id,
            actor=actor,
            params={"batch": batch.pk},
            total=total,
        )
        run = ScreeningRun.objects.create(
            batch=batch,
            job=job,
            thresholds=asdict(thresholds),
            hold_flags=hold_flags_of(stored),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        before = snapshot(batch)
        batch.status = BatchStatus.SCREENING
        batch.save(update_fields=["status"])
        audit(
            actor=actor,
            project_id=batch.project_id,
            action="intake.batch.screen",
            entity=batch,
            before=before,
            after={**snapshot(batch), "screening_run": run.pk, "job": job.pk},
        )
        job_send_on_commit(job)
    return run


def _read(membership: BatchItem, problems: dict[int, str]) -> bytes:
    item = membership.item
    if not item.file:
        problems[item.pk] = "no stored file (registered by URI)"
        return b""
    try:
        with item.file.open("rb") as handle:
            return handle.read()
    except OSError as error:
        problems[item.pk] = f"stored file cannot be read: {error}"
        return b""


def _images(memberships: list[BatchItem], problems: dict[int, str]) -> Iterator[tuple[int, bytes]]:
    for membership in memberships:
        yield membership.item_id, _read(membership, problems)


def _apply(membership: BatchItem, row: pd.Series, hold_flags: set[str], problem: str | None):
    flags = [str(flag) for flag in row["flags"]]
    membership.screened_at = timezone.now()
    membership.readable = bool(row["readable"])
    membership.error = problem or plain(row["error"]) or ""
    membership.flags = flags
    membership.measures = {key: plain(row[key]) for key in MEASURES}
    membership.sha256 = plain(row["sha256"]) or ""
    phash = plain(row["phash"])
    membership.phash = "" if phash is None else f"{int(phash):016x}"
    membership.exact_group = plain(row["exact_group"])
    membership.near_group = plain(row["near_group"])
    membership.hamming_to_keeper = plain(row["hamming_to_keeper"])
    membership.duplicate_of_id = plain(row["duplicate_of"])
    membership.suggestion = "keep" if bool(row["keep"]) else "drop"
    if membership.decision:
        membership.held = membership.decision == Decision.DROP
    else:
        membership.held = not bool(row["keep"]) or bool(hold_flags & set(flags))


UPDATED = [
    "screened_at",
    "readable",
    "error",
    "flags",
    "measures",
    "sha256",
    "phash",
    "exact_group",
    "near_group",
    "hamming_to_keeper",
    "duplicate_of",
    "suggestion",
    "held",
]


def _summary(memberships: list[BatchItem], frame: pd.DataFrame) -> dict[str, Any]:
    flags: dict[str, int] = {}
    for membership in memberships:
        for flag in membership.flags:
            flags[flag] = flags.get(flag, 0) + 1
    return {
        "n_items": len(memberships),
        "n_unreadable": int((~frame["readable"]).sum()) if len(frame) else 0,
        "n_flagged": sum(1 for m in memberships if m.flags),
        "n_held": sum(1 for m in memberships if m.held),
        "n_suggested_drops": sum(1 for m in memberships if m.suggestion == "drop"),
        "n_exact_groups": int(frame["exact_group"].nunique()) if len(frame) else 0,
        "n_near_groups": int(frame["near_group"].nunique()) if len(frame) else 0,
        "flags": flags,
    }


def _finish(run: ScreeningRun, status: str, summary: dict, errors: list, failed: bool) -> None:
    run.status = status
    run.summary = summary
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "summary", "finished_at"])
    if status != ScreeningStatus.CANCELLED:
        job_finish(run.job_id, result=summary, errors=errors, failed=failed)


def _progress(job_id: int, total: int):
    step = max(1, total // PROGRESS_STEPS)

    def report(done: int, _total: int | None) -> None:
        if done % step == 0 or done == total:
            if job_is_cancelled(job_id):
                raise _Cancelled
            job_progress(job_id, done=done, total=total)

    return report


def screening_run(run_id: int) -> None:
    """The task body: claim, screen, write. Never raises for bad images or bad files."""
    run = ScreeningRun.objects.select_related("batch").get(pk=run_id)
    if run.job_id is None or job_claim(run.job_id) is None:
        return  # another run has it, or it is finished
    ScreeningRun.objects.filter(pk=run.pk).update(status=ScreeningStatus.RUNNING)
    memberships = list(run.batch.memberships.select_related("item").order_by("item_id"))
    problems: dict[int, str] = {}
    try:
        frame = screen_batch(
            _images(memberships, problems),
            ScreeningThresholds(**run.thresholds),
            progress=_progress(run.job_id, len(memberships)),
            total=len(memberships),
        )
    except _Cancelled:
        _finish(run, ScreeningStatus.CANCELLED, {}, [], failed=True)
        return
    except Exception as error:  # a bug or a broken storage must not leave the job running
        logger.exception("screening run %s failed", run.pk)
        _finish(run, ScreeningStatus.FAILED, {}, [{"error": repr(error)}], failed=True)
        return
    _write(run, memberships, frame, problems)


def _write(run: ScreeningRun, memberships: list[BatchItem], frame: pd.DataFrame, problems):
    hold_flags = set(run.hold_flags)
    with transaction.atomic():
        if not job_lock_running(run.job_id):  # cancelled after the last progress check
            _finish(run, ScreeningStatus.CANCELLED, {}, [], failed=True)
            return
        before = {m.pk: member_snapshot(m) for m in memberships}
        for membership, (_, row) in zip(memberships, frame.iterrows(), strict=True):
            _apply(membership, row, hold_flags, problems.get(membership.item_id))
        BatchItem.objects.bulk_update(memberships, UPDATED, batch_size=1000)
        changed = [
            (m.pk, before[m.pk], member_snapshot(m))
            for m in memberships
            if before[m.pk] != member_snapshot(m)
        ]
        audit_many(
            actor=run.created_by,
            project_id=run.batch.project_id,
            action="intake.batch_item.screen",
            entity_type=BatchItem._meta.label_lower,
            changes=changed,
            reason=f"screening run {run.pk}",
        )
        errors = [
            {"item": m.item_id, "file_name": m.item.file_name, "error": m.error}
            for m in memberships
            if m.readable is False
        ]
        job_progress(run.job_id, done=len(memberships), failures=len(errors))
        _finish(run, ScreeningStatus.DONE, _summary(memberships, frame), errors, failed=False)
