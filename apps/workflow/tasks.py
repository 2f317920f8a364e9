from __future__ import annotations

from celery import shared_task

from apps.workflow.models import Alert, QueueSla, Review
from apps.workflow.services.alerts import check_project_slas


@shared_task(name="labelqc.workflow.check_slas", acks_late=True)
def check_slas() -> int:
    """Beat job: record SLA breaches of every project with an SLA or a rule deadline, and resolve
    the breach alerts whose review has been decided since. Returns the new alerts' count."""
    projects = (
        set(QueueSla.objects.values_list("project_id", flat=True))
        | set(Review.objects.filter(due_at__isnull=False).values_list("project_id", flat=True))
        | set(
            Alert.objects.filter(kind="queue_sla", resolved_at__isnull=True).values_list(
                "project_id", flat=True
            )
        )
    )
    return sum(len(check_project_slas(project_id=pk)) for pk in sorted(projects))
