from __future__ import annotations

from celery import shared_task

from apps.workflow.models import QueueSla, Review
from apps.workflow.services.sla import record_breaches


@shared_task(name="labelqc.workflow.check_slas", acks_late=True)
def check_slas() -> int:
    """Beat job: record SLA breaches of every project with an SLA or a rule deadline."""
    projects = set(QueueSla.objects.values_list("project_id", flat=True)) | set(
        Review.objects.filter(due_at__isnull=False).values_list("project_id", flat=True)
    )
    return sum(len(record_breaches(project_id=pk)) for pk in sorted(projects))
