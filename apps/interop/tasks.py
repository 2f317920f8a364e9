"""Thin Celery tasks: each job task claims its job row first, so a redelivered message does
nothing; the sweep is idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.interop.services.exports import export_job_run
from apps.interop.services.imports import import_job_run
from apps.interop.services.job_files import job_files_sweep


@shared_task(name="labelqc.interop.import_file", acks_late=True)
def import_file(job_id: int) -> None:
    import_job_run(job_id)


@shared_task(name="labelqc.interop.export", acks_late=True)
def export(job_id: int) -> None:
    export_job_run(job_id)


@shared_task(name="labelqc.interop.sweep_job_files")
def sweep_job_files() -> list[int]:
    """Beat: delete import and export files nobody needs any more (idempotent)."""
    return job_files_sweep(now=timezone.now())
