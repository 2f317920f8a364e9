"""Intake screening on the `default` queue; the task claims the run's job row first."""

from __future__ import annotations

from celery import shared_task

from apps.intake.services.screening import screening_run


@shared_task(name="labelqc.intake.screen_batch", acks_late=True)
def screen_batch(run_id: int) -> None:
    screening_run(run_id)
