"""Thin Celery tasks on the `gpu` queue (routed by the `labelqc.prelabel.` name prefix).

Each claims its job row first (acks_late + claim: a redelivered message does nothing twice).
Only transient storage errors (OSError) retry, with backoff on a worker and at once when tasks
run in-process (eager); after the last retry the job fails, saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import shared_task

from apps.jobs.services import job_fail_after_retries
from apps.prelabel.services.image_jobs import prelabel_job_run
from apps.prelabel.services.video import video_job_run

RETRIES = 3


def run_retrying(task: Any, run: Callable[[int], None], job_id: int) -> None:
    """Run `run(job_id)`; on OSError retry (inline when eager), then fail the job."""
    attempts = RETRIES + 1 if task.request.is_eager else 1
    for attempt in range(attempts):
        try:
            return run(job_id)
        except OSError as error:
            last = error
            if not task.request.is_eager and task.request.retries < RETRIES:
                raise task.retry(exc=error, countdown=2 ** (task.request.retries + 1)) from error
            if attempt + 1 < attempts:
                continue
    job_fail_after_retries(job_id, last)


@shared_task(name="labelqc.prelabel.run_job", bind=True, acks_late=True, max_retries=RETRIES)
def run_job(self, job_id: int) -> None:
    run_retrying(self, prelabel_job_run, job_id)


@shared_task(
    name="labelqc.prelabel.propagate_video", bind=True, acks_late=True, max_retries=RETRIES
)
def propagate_video(self, job_id: int) -> None:
    run_retrying(self, video_job_run, job_id)
