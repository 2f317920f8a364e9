from __future__ import annotations

from celery import shared_task

from apps.jobs.dispatch import jobs_resend


@shared_task(name="labelqc.jobs.resend", acks_late=True)
def resend_lost_jobs() -> list[int]:
    """Beat: send again the jobs whose message was lost (apps.jobs.dispatch says which)."""
    return jobs_resend()
