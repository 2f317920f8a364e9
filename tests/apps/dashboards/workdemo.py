"""Test data for the pages: the small demo project plus what its seed leaves out.

`backfill_workflow` adds a submitted assignment wherever a simulated annotator drew on an item
without one, leaves the newest regular submissions pending review (one of them escalated to
"senior_review" through the review service), and adds a model's pre-labels with their
correction effort, two jobs (one still running), class and queue SLAs, an escalation rule and
the demo cost inputs (rate cards, budget, scenarios).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from apps.annotations.models import Annotation, Source
from apps.common.roles import Role
from apps.costs.services import seed_demo_costs
from apps.jobs.models import Job, JobStatus
from apps.projects.models import Annotator, Project
from apps.workflow.models import Assignment, AssignmentStatus, Review
from apps.workflow.services.escalation import rule_create
from apps.workflow.services.review import decide_review
from apps.workflow.services.sla import class_sla_set, queue_sla_set
from apps.workflow.services.submit import record_correction_effort

OPEN_SHARE, OPEN_MIN = 3, 5  # a third (at least 5) of the newest submissions wait for review
ESCALATED = 1  # ... and this many of them went on to the senior queue
SMALL_OBJECTS = {
    "when": {"all": [{"fact": "min_object_area", "op": "<", "value": 500}]},
    "then": [{"action": "route", "queue": "senior_review"}],
}


def _assignments(project: Project) -> list[Assignment]:
    """One submitted assignment per annotator and item they drew on, unless the seed made it."""
    done = set(Assignment.objects.filter(project=project).values_list("item_id", "annotator_id"))
    taken = dict(
        Assignment.objects.filter(project=project, slot__isnull=False)
        .values("item_id")
        .annotate(n=Max("slot"))
        .values_list("item_id", "n")
    )
    spans = (
        Annotation.objects.filter(project=project, source=Source.HUMAN)
        .values("item_id", "author_id", "item__is_gold")
        .annotate(first=Min("created_at"), last=Max("created_at"))
        .order_by("item_id", "author_id")
    )
    rows = []
    slot_of = {item: n + 1 for item, n in taken.items()}
    for span in spans:
        if (span["item_id"], span["author_id"]) in done:
            continue
        gold = span["item__is_gold"]
        slot = None if gold else slot_of.setdefault(span["item_id"], 0)
        if not gold:
            slot_of[span["item_id"]] += 1
        rows.append(
            Assignment(
                project=project,
                item_id=span["item_id"],
                annotator_id=span["author_id"],
                slot=slot,
                is_gold=gold,
                status=AssignmentStatus.SUBMITTED,
                leased_at=span["first"] - timedelta(minutes=4),
                submitted_at=span["last"],
                server_seconds=240.0 + (span["author_id"] % 5) * 30,
                gold_accuracy=0.7 + 0.03 * (span["author_id"] % 8) if gold else None,
            )
        )
    return Assignment.objects.bulk_create(rows)


def _prelabels(project: Project) -> None:
    """A model's boxes on the regular items: one annotator's shapes, shifted a little."""
    first_author = {}
    for a in Annotation.objects.filter(project=project, source=Source.HUMAN, item__is_gold=False):
        first_author.setdefault(a.item_id, a.author_id)
        if first_author[a.item_id] != a.author_id or a.x is None:
            continue
        shift = 2.0 if a.pk % 3 else 9.0
        Annotation.objects.create(
            project=project,
            item_id=a.item_id,
            source=Source.PRELABEL,
            model_id="grabcut",
            label_class_id=a.label_class_id,
            geometry_type="box",
            geometry={"x": a.x + shift, "y": a.y, "w": a.w, "h": a.h},
            x=a.x + shift,
            y=a.y,
            w=a.w,
            h=a.h,
            area=a.w * a.h,
            score=0.8,
            attributes={"uncertainty": 0.2},
            created_at=a.created_at,
            updated_at=a.created_at,
        )


def _open_reviews(project: Project, reviewer: Annotator) -> dict[str, int]:
    """Leave the newest regular submissions waiting for review, and escalate one of them."""
    regular = Assignment.objects.filter(project=project, is_gold=False, submitted_at__isnull=False)
    for assignment in regular.filter(reviews__isnull=True):
        Review.objects.create(project=project, assignment=assignment)
    newest = list(
        Review.objects.filter(project=project, assignment__in=regular, queue="review")
        .exclude(status="rejected")
        .order_by("-assignment__submitted_at", "-id")
        .values_list("pk", flat=True)
    )
    newest = newest[: max(OPEN_MIN, len(newest) // OPEN_SHARE)]
    for review in Review.objects.filter(pk__in=newest).select_related("assignment"):
        Review.objects.filter(pk=review.pk).update(
            status="pending",
            reviewer=None,
            decided_at=None,
            reason="",
            created_at=review.assignment.submitted_at,  # waiting since the submission
        )
    for review_id in newest[:ESCALATED]:
        decide_review(
            actor=reviewer.user,
            member=reviewer,
            role=Role.REVIEWER,
            review_id=review_id,
            decision="escalate",
            reason="unclear guideline",
            queue="senior_review",
        )
    return {"pending": len(newest) - ESCALATED, "escalated": ESCALATED}


@transaction.atomic
def backfill_workflow(project: Project) -> dict[str, int]:
    admin = get_user_model().objects.get(username="admin")
    reviewer = Annotator.objects.get(project=project, role=Role.REVIEWER)
    created = _assignments(project)
    _prelabels(project)
    for assignment in Assignment.objects.filter(project=project, is_gold=False):
        final = list(
            Annotation.objects.filter(
                item_id=assignment.item_id, author_id=assignment.annotator_id, source=Source.HUMAN
            )
        )
        record_correction_effort(assignment, project, final)
    counts = _open_reviews(project, reviewer)
    now = timezone.now()
    Job.objects.create(
        project=project,
        kind="prelabel.sam2",
        status=JobStatus.SUCCEEDED,
        backend="grabcut",
        progress_done=12,
        progress_total=12,
        started_at=now,
        finished_at=now,
    )
    Job.objects.create(
        project=project,
        kind="active.round",
        status=JobStatus.RUNNING,
        progress_done=3,
        progress_total=10,
        started_at=now,
    )
    classes = list(project.classes.order_by("id"))
    for cls, floor in zip(classes[:2], (0.8, 0.9), strict=False):
        class_sla_set(
            actor=admin,
            project_id=project.pk,
            label_class=cls.pk,
            values={
                "iou_threshold": 0.75,
                "iaa_floor": floor,
                "missing_rate_ceiling": 0.05,
                "turnaround_hours": 24,
                "window_days": 3650,
            },
        )
    queue_sla_set(actor=admin, project_id=project.pk, queue="review", turnaround_hours=1)
    rule_create(actor=admin, project_id=project.pk, name="small objects", definition=SMALL_OBJECTS)
    seed_demo_costs(project, actor=admin)
    counts["assignments_added"] = len(created)
    return counts
