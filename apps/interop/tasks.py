"""Thin Celery tasks: each claims its job row first, so a redelivered message does nothing."""

from __future__ import annotations

from celery import shared_task

from apps.interop.services.exports import export_job_run
from apps.interop.services.imports import import_job_run


@shared_task(name="labelqc.interop.import_file", acks_late=True)
def import_file(job_id: int) -> None:
    import_job_run(job_id)


@shared_task(name="labelqc.interop.export", acks_late=True)
def export(job_id: int) -> None:
    export_job_run(job_id)
