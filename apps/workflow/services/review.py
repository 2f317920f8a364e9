"""Reviewer queues: pull the next submission, then approve, edit, reject or escalate it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.annotations.selectors import blind_inspection_items
from apps.annotations.services import annotation_update
from apps.audit.services import audited_change
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.projects.models import Annotator, Project
from apps.workflow.models import (
    Assignment,
    AssignmentStatus,
    Review,
    ReviewStatus,
    SkippedReview,
)
from apps.workflow.services.submit import AssignmentConflict

DECISIONS = ("approve", "edit", "reject", "escalate")


def pull_review(*, member: Annotator, queue: str) -> Review | None:
    """The reviewer's held review in `queue`, else the best pending one leased to them; reviews
    they released unanswered (Next) come only once nothing else is left, longest-skipped first."""
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
        )
        skip = SkippedReview.objects.filter(reviewer=member, review_id=OuterRef("pk"))
        unskipped = candidates.exclude(Exists(skip)).order_by("-priority", "due_at", "id")
        skipped = (
            candidates.filter(Exists(skip))
            .annotate(skipped_at=Subquery(skip.values("skipped_at")[:1]))
            .order_by("skipped_at", "-priority", "due_at", "id")
        )
        lease = {
            "status": ReviewStatus.LEASED,
            "reviewer": member,
            "lease_expires_at": now + timedelta(minutes=project.lease_minutes),
        }
        claimed = _claim_review(unskipped, available, lease)
        if claimed is None:
            claimed = _claim_review(skipped, available, lease)
            if claimed is not None:
                # Served after all: a later Next remembers it afresh.
                SkippedReview.objects.filter(reviewer=member, review=claimed).delete()
        return claimed


def _claim_review(candidates, available: Q, lease: dict[str, Any]) -> Review | None:
    if connection.vendor == "postgresql":
        candidates = candidates.select_for_update(skip_locked=True, of=("self",))
    for candidate in candidates[:8]:
        if Review.objects.filter(available, pk=candidate.pk).update(**lease):
            return Review.objects.get(pk=candidate.pk)
    return None


def release_review(*, member: Annotator, review_id: int) -> bool:
    """Give a review the member holds back to its queue unanswered. It is remembered as skipped
    by them, so their next pull serves other pending reviews first; other reviewers get it as
    usual. False when they do not hold it (decided, pending, or another reviewer's)."""
    with transaction.atomic():
        released = Review.objects.filter(
            pk=review_id, reviewer=member, status=ReviewStatus.LEASED
        ).update(status=ReviewStatus.PENDING, reviewer=None, lease_expires_at=None)
        if released:
            SkippedReview.objects.bulk_create(
                [SkippedReview(reviewer=member, review_id=review_id, skipped_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["reviewer", "review"],
                update_fields=["skipped_at"],
            )
    return bool(released)


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
