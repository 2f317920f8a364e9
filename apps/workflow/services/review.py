"""Reviewer queues: pull the next submission, then approve, edit, reject or escalate it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.annotations.selectors import blind_inspection_items
from apps.annotations.services import annotation_update
from apps.audit.services import audited_change
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.projects.models import Annotator, Project
from apps.workflow.models import Assignment, AssignmentStatus, Review, ReviewStatus
from apps.workflow.services.submit import AssignmentConflict

DECISIONS = ("approve", "edit", "reject", "escalate")


def pull_review(*, member: Annotator, queue: str) -> Review | None:
    project = Project.objects.get(pk=member.project_id)
    now = timezone.now()
    with transaction.atomic():
        held = Review.objects.filter(
            reviewer=member, status=ReviewStatus.LEASED, lease_expires_at__gt=now, queue=queue
        ).first()
        if held is not None:
            return held
        available = Q(status=ReviewStatus.PENDING) | Q(
            status=ReviewStatus.LEASED, lease_expires_at__lte=now
        )
        candidates = (
            Review.objects.filter(available, project_id=project.pk, queue=queue)
            .exclude(assignment__annotator=member)  # nobody reviews their own work
            # a blind intake inspection's reviewers must not see the delivered labels: its items
            # wait until it is decided
            .exclude(assignment__item_id__in=blind_inspection_items())
            .order_by("-priority", "due_at", "id")
        )
        if connection.vendor == "postgresql":
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        for candidate in candidates[:8]:
            claimed = Review.objects.filter(available, pk=candidate.pk).update(
                status=ReviewStatus.LEASED,
                reviewer=member,
                lease_expires_at=now + timedelta(minutes=project.lease_minutes),
            )
            if claimed:
                return Review.objects.get(pk=candidate.pk)
    return None


def decide_review(
    *,
    actor: Any,
    member: Annotator | None,
    role: str,
    review_id: int,
    decision: str,
    reason: str = "",
    queue: str | None = None,
    edits: list[dict[str, Any]] | None = None,
) -> Review:
    if decision not in DECISIONS:
        raise ServiceValidationError(f"must be one of {', '.join(DECISIONS)}", field="decision")
    if decision in ("reject", "escalate") and not reason.strip():
        raise ServiceValidationError(f"a reason is required to {decision}", field="reason")
    if decision == "escalate" and not (queue or "").strip():
        raise ServiceValidationError("name the queue to escalate to", field="queue")
    if decision == "edit" and not edits:
        raise ServiceValidationError("an edit needs at least one change", field="edits")
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("assignment").get(pk=review_id)
        if review.status not in (ReviewStatus.PENDING, ReviewStatus.LEASED):
            raise AssignmentConflict(f"this review is already {review.status}", review.status)
        if (
            (
                review.status == ReviewStatus.LEASED
                and member is not None
                and review.reviewer_id not in (None, member.pk)
            )
            and review.lease_expires_at
            and review.lease_expires_at > timezone.now()
        ):
            raise AssignmentConflict("this review is leased to another reviewer", review.status)
        if (
            member is not None
            and role != Role.ADMIN
            and review.assignment.annotator_id == member.pk
        ):
            # the pull never serves one's own work; a decision by id must not get round that
            raise AssignmentConflict("nobody reviews their own work", review.status)
        with audited_change(actor=actor, action=f"review.{decision}", entity=review, reason=reason):
            assignment = review.assignment
            if decision == "edit":
                for index, edit in enumerate(edits or []):
                    annotation = Annotation.objects.filter(
                        pk=edit.get("annotation"), item_id=assignment.item_id
                    ).first()
                    if annotation is None:
                        raise ServiceValidationError(
                            "is not an annotation of this item", field=f"edits[{index}].annotation"
                        )
                    changes = {
                        k: v
                        for k, v in edit.items()
                        if k in ("label_class", "geometry_type", "geometry", "attributes")
                    }
                    annotation_update(
                        actor=actor,
                        annotation=annotation,
                        base_version=edit["version"],
                        changes=changes,
                        role=role,
                        member=member,
                        reason=reason or "review edit",
                    )
                review.status = ReviewStatus.EDITED
            elif decision == "approve":
                review.status = ReviewStatus.APPROVED
            elif decision == "reject":
                review.status = ReviewStatus.REJECTED
                # F() and the status guard: an intake inspection may send the same submission
                # back at the same moment; one redo answers both, so it is one cycle, not a lost
                # or a double increment.
                Assignment.objects.filter(
                    pk=assignment.pk, status=AssignmentStatus.SUBMITTED
                ).update(status=AssignmentStatus.REWORK, rework_cycles=F("rework_cycles") + 1)
            else:
                review.status = ReviewStatus.ESCALATED
                Review.objects.create(
                    project_id=review.project_id,
                    assignment=assignment,
                    queue=queue.strip(),
                    priority=review.priority,
                    reason=reason,
                    cycle=review.cycle,
                    due_at=review.due_at,
                )
            review.reviewer = member or review.reviewer
            review.reason = reason or review.reason
            review.decided_at = timezone.now()
            review.save()
    return review
