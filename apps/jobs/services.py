"""Job rows: created by a request, claimed by exactly one task run, finished once.

Claiming is a conditional UPDATE, so a redelivered message (acks_late) finds the job taken or
done and does nothing. A run shows it is alive by its claim and by each progress report (the
job's ``heartbeat_at``); a running job silent for STALE_AFTER is taken to be dead and may be
claimed again. So a job of many steps (a quality report's shards, a long import) may run longer
than STALE_AFTER as long as it keeps reporting progress, while one Celery task is bounded by its
time limit (an hour), well under STALE_AFTER.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.jobs.models import FINISHED, Job, JobStatus

STALE_AFTER = timedelta(hours=2)
logger = logging.getLogger("labelqc.jobs")


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
    """Jobs a run may take: pending ones, and running ones silent for STALE_AFTER."""
    silent_since = now - STALE_AFTER
    return Q(status=JobStatus.PENDING) | Q(
        Q(heartbeat_at__lt=silent_since)
        # a row set running by other means than job_claim (e.g. by hand in the admin)
        | Q(heartbeat_at__isnull=True, started_at__lt=silent_since),
        status=JobStatus.RUNNING,
    )


def job_claim(job_id: int) -> Job | None:
    """Take the job for this run, or None if another run has it or it is finished."""
    now = timezone.now()
    taken = Job.objects.filter(claimable(now), pk=job_id).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        claimed_by=this_process(),
    )
    return Job.objects.get(pk=job_id) if taken else None


class JobNoLongerRunning(Exception):
    """Raised by a run that learns from a progress report that its job was cancelled (or taken
    over): it stops, writing nothing more."""


def job_progress(
    job_id: int, *, done: int, total: int | None = None, failures: int | None = None
) -> bool:
    """Record progress (a sign of life); False when the job is no longer running."""
    values: dict[str, Any] = {"progress_done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        values["progress_total"] = total
    if failures is not None:
        values["failures"] = failures
    return bool(Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**values))


def job_heartbeat(job_id: int) -> None:
    """The run is alive, between progress reports (a long step that counts nothing)."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())


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


def job_lock_running(job_id: int) -> bool:
    """Inside the transaction that writes a job's results: lock its row and say whether it still
    runs. A job cancelled meanwhile must write nothing, and job_cancel waits for this lock."""
    return Job.objects.select_for_update().filter(pk=job_id, status=JobStatus.RUNNING).exists()


@contextmanager
def job_failure_recorded(job_id: int, what: str) -> Iterator[None]:
    """A bug in a run must still end its job, failed with the error: left running, the resend
    sweep would run the same failing job again and again."""
    try:
        yield
    except Exception as exc:
        logger.exception("%s job %s failed", what, job_id)
        error = {"field": "internal", "messages": [repr(exc)[:500]]}
        job_finish(job_id, errors=[error], failed=True)


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
