"""Small job-row transitions the pre-labeling and active-learning runs need beyond apps.jobs."""

from __future__ import annotations

from django.utils import timezone

from apps.jobs.models import Job, JobStatus


def release_job(job_id: int) -> None:
    """Give a claimed job back (pending), so a retry of the task can claim it again."""
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.PENDING)


def set_backend(job_id: int, backend: str) -> None:
    """Record which engine ran the job (shown to users)."""
    Job.objects.filter(pk=job_id).exclude(backend=backend).update(backend=backend)


def fail_unretried(job_id: int, error: Exception) -> None:
    """The last retry of a transient error failed too: the job fails, saying why."""
    Job.objects.filter(pk=job_id, status__in=(JobStatus.PENDING, JobStatus.RUNNING)).update(
        status=JobStatus.FAILED,
        errors=[{"field": "storage", "messages": [f"gave up after retries: {error}"]}],
        finished_at=timezone.now(),
        payload=None,
    )
