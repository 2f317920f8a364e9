from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.annotations.models import Annotation, Source
from apps.common.roles import Role
from apps.projects.models import Annotator


def annotations_for(
    *,
    project_id: int,
    role: str,
    member: Annotator | None,
    item: int | None = None,
    annotator: int | None = None,
    label_class: int | None = None,
    source: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[Annotation]:
    """Annotations a role may read: an annotator sees only their own human work, never gold; a
    reviewer everything but gold and blind-inspected items."""
    query = Annotation.objects.filter(project_id=project_id)
    if role == Role.ANNOTATOR:
        query = query.filter(author_id=getattr(member, "pk", -1)).exclude(source=Source.GOLD)
    if role == Role.REVIEWER:
        # reviewers who annotate are scored on honeypots: no gold answers for them either
        query = query.exclude(item_id__in=blind_inspection_items()).exclude(source=Source.GOLD)
    filters: dict[str, Any] = {
        "item_id": item,
        "author_id": annotator,
        "label_class_id": label_class,
        "source": source,
        "created_at__gte": created_after,
        "created_at__lt": created_before,
    }
    return query.filter(**{k: v for k, v in filters.items() if v is not None}).order_by("id")


def annotation_in_scope(
    *, annotation_id: int, role: str, member: Annotator | None
) -> Annotation | None:
    annotation = Annotation.objects.filter(pk=annotation_id).first()
    if annotation is None:
        return None
    if role == Role.ANNOTATOR and (
        annotation.author_id != getattr(member, "pk", None) or annotation.source == Source.GOLD
    ):
        return None
    if role == Role.REVIEWER and (
        annotation.source == Source.GOLD
        or blind_inspection_items().filter(item_id=annotation.item_id).exists()
    ):
        return None
    return annotation


def item_held_by(*, member: Annotator | None, item_id: int) -> bool:
    """Whether the item is the member's current queue work (their rework, or their unexpired
    lease, as the queue's `held` reads it), and not a gold item."""
    from apps.workflow.models import Assignment, AssignmentStatus

    if member is None:
        return False
    return (
        Assignment.objects.filter(
            annotator=member, item_id=item_id, is_gold=False, item__is_gold=False
        )
        .filter(
            Q(status=AssignmentStatus.REWORK)
            | Q(status=AssignmentStatus.LEASED, lease_expires_at__gt=timezone.now())
        )
        .exists()
    )


def blind_inspection_items() -> QuerySet:
    """Items sampled by an open blind inspection: their reviewers must not see delivered labels."""
    from apps.intake.models import InspectionItem

    return InspectionItem.objects.filter(
        inspection__status="open", inspection__review_mode="blind"
    ).values("item_id")
