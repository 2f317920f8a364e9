"""Alerts are resolved by a manager who dealt with them, or by labelqc when their cause is gone."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audited_change
from apps.workflow.models import Alert, Review
from apps.workflow.services.sla import OPEN_REVIEWS, REVIEW_KEY_PREFIX, record_breaches

REVIEW_DECIDED = "the overdue review was decided"


@transaction.atomic
def alert_resolve(*, actor: Any, alert_id: int, note: str = "") -> Alert:
    """Mark the alert resolved, once: resolving a resolved alert changes nothing (a double click,
    two managers at once) and writes no second audit event."""
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.resolved_at is not None:
        return alert
    with audited_change(actor=actor, action="alert.resolve", entity=alert, reason=note):
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor
        alert.resolution = note
        alert.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return alert


def resolve_decided_breaches(*, project_id: int) -> int:
    """Resolve the open queue-SLA alerts whose review is no longer waiting; returns how many."""
    open_keys = Alert.objects.filter(
        project_id=project_id, kind="queue_sla", resolved_at__isnull=True
    ).values_list("key", flat=True)
    reviews = {
        key: int(review)
        for key in open_keys
        if (review := key.removeprefix(REVIEW_KEY_PREFIX)) != key and review.isdigit()
    }
    waiting = set(
        Review.objects.filter(pk__in=reviews.values(), status__in=OPEN_REVIEWS).values_list(
            "pk", flat=True
        )
    )
    return resolve_superseded(
        project_id=project_id,
        kind="queue_sla",
        resolution=REVIEW_DECIDED,
        keys=[key for key, review in reviews.items() if review not in waiting],
    )


def resolve_superseded(
    *,
    project_id: int,
    kind: str,
    resolution: str,
    keep_key: str | None = None,
    keys: list[str] | None = None,
    by: Any = None,
) -> int:
    """Resolve the project's open alerts of `kind` (only those of `keys`, if given) other than
    `keep_key` (the one still true), as user `by` (None: labelqc itself); returns how many."""
    query = Alert.objects.filter(project_id=project_id, kind=kind, resolved_at__isnull=True)
    if keys is not None:
        query = query.filter(key__in=keys)
    if keep_key is not None:
        query = query.exclude(key=keep_key)
    return query.update(resolved_at=timezone.now(), resolution=resolution[:500], resolved_by=by)


def check_project_slas(*, project_id: int) -> list[Alert]:
    """Resolve the breach alerts whose review was decided, then record the new breaches."""
    resolve_decided_breaches(project_id=project_id)
    return record_breaches(project_id=project_id)
