from __future__ import annotations

from celery import shared_task

from apps.annotations.services import import_job_run


@shared_task(name="labelqc.annotations.import_records", acks_late=True)
def import_records(job_id: int) -> None:
    import_job_run(job_id)
