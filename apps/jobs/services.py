"""Job rows: created by a request, claimed by exactly one task run, finished once.

Claiming is a conditional UPDATE, so a redelivered message (acks_late) finds the job taken or
done and does nothing. A run that died while holding a claim is re-claimable after STALE_AFTER.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.jobs.models import FINISHED, Job, JobStatus

STALE_AFTER = timedelta(hours=2)


def job_create(
    *,
    kind: str,
    project_id: int | None,
    actor: Any,
    params: dict[str, Any] | None = None,
    payload: Any = None,
    total: int = 0,
) -> Job:
    return Job.objects.create(
        kind=kind,
        project_id=project_id,
        params=params or {},
        payload=payload,
        progress_total=total,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claimable(now: datetime) -> Q:
    """Jobs a run may take: pending ones, and running ones whose claim is stale."""
    return Q(status=JobStatus.PENDING) | Q(
        status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER
    )


def job_claim(job_id: int) -> Job | None:
    """Take the job for this run, or None if another run has it or it is finished."""
    now = timezone.now()
    taken = Job.objects.filter(claimable(now), pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        attempts=F("attempts") + 1,
        claimed_by=this_process(),
    )
    return Job.objects.get(pk=job_id) if taken else None


def job_progress(
    job_id: int, *, done: int, total: int | None = None, failures: int | None = None
) -> None:
    values: dict[str, Any] = {"progress_done": done}
    if total is not None:
        values["progress_total"] = total
    if failures is not None:
        values["failures"] = failures
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**values)


def job_finish(
    job_id: int, *, result: Any = None, errors: list[Any] | None = None, failed: bool = False
) -> None:
    status = JobStatus.FAILED if failed else JobStatus.SUCCEEDED
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=status,
        result=result,
        errors=errors or [],
        finished_at=timezone.now(),
        payload=None,  # inputs are not kept once the job is done
    )


def job_cancel(job_id: int) -> bool:
    with transaction.atomic():
        cancelled = (
            Job.objects.filter(pk=job_id)
            .exclude(status__in=FINISHED)
            .update(status=JobStatus.CANCELLED, finished_at=timezone.now())
        )
    return bool(cancelled)


def job_is_cancelled(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, status=JobStatus.CANCELLED).exists()


def job_release(job_id: int) -> None:
    """Give a claimed job back (pending), so a retry of the task can claim it again."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.PENDING)


def job_set_backend(job_id: int, backend: str) -> None:
    """Record which engine ran the job (shown to users)."""
    Job.objects.filter(pk=job_id).exclude(backend=backend).update(backend=backend)


def job_fail_after_retries(job_id: int, error: Exception) -> None:
    """The last retry of a transient error failed too: the job fails, saying why."""
    Job.objects.filter(pk=job_id, status__in=(JobStatus.PENDING, JobStatus.RUNNING)).update(
        status=JobStatus.FAILED,
        errors=[{"field": "storage", "messages": [f"gave up after retries: {error}"]}],
        finished_at=timezone.now(),
        payload=None,
    )
