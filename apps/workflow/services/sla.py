"""SLAs: queue turnaround (overdue reviews become alerts, once each) and per-class targets."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.audit.services import audit, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.common.webhooks import post_webhook
from apps.projects.models import LabelClass
from apps.workflow.models import Alert, ClassSla, QueueSla, Review, ReviewStatus

logger = logging.getLogger("labelqc.sla")
OPEN_REVIEWS = (ReviewStatus.PENDING, ReviewStatus.LEASED)
REVIEW_KEY_PREFIX = "review:"  # a queue-SLA alert's key: the prefix and its review's id
CLASS_SLA_FIELDS = (
    "iou_threshold",
    "iaa_floor",
    "missing_rate_ceiling",
    "turnaround_hours",
    "window_days",
)


@transaction.atomic
def queue_sla_set(
    *, actor: Any, project_id: int, queue: str, turnaround_hours: float, webhook_url: str = ""
) -> QueueSla:
    existing = QueueSla.objects.filter(project_id=project_id, queue=queue).first()
    before = snapshot(existing) if existing else None
    sla, _ = QueueSla.objects.update_or_create(
        project_id=project_id,
        queue=queue,
        defaults={"turnaround_hours": turnaround_hours, "webhook_url": webhook_url},
    )
    audit(
        actor=actor,
        project_id=project_id,
        action="sla.queue.set",
        entity=sla,
        before=before,
        after=snapshot(sla),
    )
    return sla


@transaction.atomic
def queue_sla_delete(*, actor: Any, sla: QueueSla) -> None:
    audit(
        actor=actor,
        project_id=sla.project_id,
        action="sla.queue.delete",
        entity=sla,
        before=snapshot(sla),
    )
    sla.delete()


@transaction.atomic
def class_sla_set(
    *, actor: Any, project_id: int, label_class: int, values: dict[str, Any]
) -> ClassSla:
    if not LabelClass.objects.filter(pk=label_class, project_id=project_id).exists():
        raise ServiceValidationError(
            f"class {label_class} is not in this project", field="label_class"
        )
    existing = ClassSla.objects.filter(project_id=project_id, label_class_id=label_class).first()
    before = snapshot(existing) if existing else None
    sla, _ = ClassSla.objects.update_or_create(
        project_id=project_id,
        label_class_id=label_class,
        defaults={k: v for k, v in values.items() if k in CLASS_SLA_FIELDS},
    )
    audit(
        actor=actor,
        project_id=project_id,
        action="sla.class.set",
        entity=sla,
        before=before,
        after=snapshot(sla),
    )
    return sla


@transaction.atomic
def class_sla_delete(*, actor: Any, sla: ClassSla) -> None:
    audit(
        actor=actor,
        project_id=sla.project_id,
        action="sla.class.delete",
        entity=sla,
        before=snapshot(sla),
    )
    sla.delete()


def overdue_reviews(*, project_id: int, now=None):
    """Open reviews past their deadline: a rule's due date, else the queue's turnaround."""
    now = now or timezone.now()
    slas = {s.queue: s.turnaround_hours for s in QueueSla.objects.filter(project_id=project_id)}
    late = Q(due_at__lt=now)
    for queue, hours in slas.items():
        late |= Q(queue=queue, due_at__isnull=True, created_at__lt=now - timedelta(hours=hours))
    return (
        Review.objects.filter(late, project_id=project_id, status__in=OPEN_REVIEWS)
        .select_related("assignment")
        .order_by(F("due_at").asc(nulls_last=True), "created_at")
    )


def record_breaches(*, project_id: int, now=None) -> list[Alert]:
    """One alert per overdue review (a re-run records nothing twice), webhook called once each."""
    now = now or timezone.now()
    hooks = {
        s.queue: s.webhook_url
        for s in QueueSla.objects.filter(project_id=project_id)
        if s.webhook_url
    }
    created = []
    for review in overdue_reviews(project_id=project_id, now=now):
        details = {
            "review": review.pk,
            "item": review.assignment.item_id,
            "queue": review.queue,
            "due_at": review.due_at.isoformat() if review.due_at else None,
            "created_at": review.created_at.isoformat(),
        }
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    project_id=project_id,
                    kind="queue_sla",
                    key=f"{REVIEW_KEY_PREFIX}{review.pk}",
                    message=f"review {review.pk} in queue '{review.queue}' is past its SLA",
                    details=details,
                )
        except IntegrityError:
            continue
        if review.queue in hooks:
            alert.webhook_status = post_webhook(
                hooks[review.queue], {"alert": alert.kind, **details}
            )
            alert.save(update_fields=["webhook_status"])
        created.append(alert)
    return created
