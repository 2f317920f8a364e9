"""Cost reports run on the `default` queue; the task claims the report's job row first."""

from __future__ import annotations

from celery import shared_task

from apps.costs.services.reports import report_run


@shared_task(name="labelqc.costs.compute_report", acks_late=True)
def compute_report(report_id: int) -> None:
    report_run(report_id)
