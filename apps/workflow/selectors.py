from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Avg, Count, Max, Q
from django.utils import timezone

from apps.annotations.models import Annotation, Source
from apps.annotations.serializers import AnnotationOutput
from apps.common.roles import Role
from apps.common.rows import ModelColumns, fetch_all, table
from apps.items.models import Item
from apps.projects.models import Annotator, Project
from apps.workflow.models import (
    Assignment,
    AssignmentStatus,
    CorrectionEffort,
    Review,
    ReviewStatus,
)
from apps.workflow.serializers import ReviewOutput
from apps.workflow.services.qualification import gated, gold_items_required

# What the queue payload shows of a pre-label, and what correction effort compares.
PRELABEL_PAYLOAD = ModelColumns(
    Annotation,
    "x",
    ("id", "label_class", "geometry_type", "geometry", "score", "model_id", "attributes"),
)
PRELABEL_SHAPE = ModelColumns(
    Annotation,
    "x",
    ("id", "item", "label_class", "model_id", "geometry_type", "geometry", "x", "y", "w", "h"),
)


def prelabels_of(item_id: int, columns: ModelColumns) -> list[Annotation]:
    """The item's pre-labels, oldest first (a plain SELECT: both the pull and submit ask)."""
    sql = (
        f"SELECT {columns.sql} FROM {table(Annotation)} x"
        " WHERE x.item_id = %s AND x.source = %s ORDER BY x.id"
    )
    return [row[0] for row in fetch_all(sql, [item_id, Source.PRELABEL.value], columns)]


def rework_of(assignment: Assignment) -> dict[str, Any] | None:
    """What an assignment sent back for rework starts from: the annotator's own shapes on the
    item (what a resubmission replaces, see submit_assignment) and the review decision that sent
    the current submission back, if a review did. None for any other status."""
    if assignment.status != AssignmentStatus.REWORK:
        return None
    shapes = Annotation.objects.filter(
        item_id=assignment.item_id, author_id=assignment.annotator_id, source=Source.HUMAN
    ).order_by("id")
    rejections = Review.objects.filter(assignment_id=assignment.pk, status=ReviewStatus.REJECTED)
    if assignment.submitted_at is not None:
        # An earlier cycle's rejection does not explain this one (an intake send-back, say).
        rejections = rejections.filter(decided_at__gte=assignment.submitted_at)
    rejection = rejections.order_by("-decided_at", "-id").first()
    return {
        "shapes": list(shapes),
        "decision": rejection.status if rejection else None,
        "reason": rejection.reason if rejection else None,
        "decided_at": rejection.decided_at if rejection else None,
    }


def annotator_own_stats(*, member: Annotator) -> dict[str, Any]:
    mine = Assignment.objects.filter(annotator=member)
    submitted = mine.filter(status=AssignmentStatus.SUBMITTED)
    times = list(submitted.exclude(server_seconds=None).values_list("server_seconds", flat=True))
    # Gold counts only from before today (UTC): a figure that moved right after a submit would
    # tell the annotator that item was a honeypot.
    gold_as_of = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    gold = mine.filter(
        is_gold=True, gold_accuracy__isnull=False, submitted_at__lt=gold_as_of
    ).aggregate(mean=Avg("gold_accuracy"), n=Count("id"))
    reviews = Review.objects.filter(assignment__annotator=member)
    decided = reviews.exclude(status__in=["pending", "leased"])
    rejected = reviews.filter(status="rejected").count()
    efforts = dict(
        CorrectionEffort.objects.filter(assignment__annotator=member)
        .values("bucket")
        .annotate(n=Count("id"))
        .values_list("bucket", "n")
    )
    return {
        "submitted": submitted.count(),
        "in_rework": mine.filter(status=AssignmentStatus.REWORK).count(),
        "median_seconds_per_item": float(np.median(times)) if times else None,
        "gold_accuracy": gold["mean"],
        "gold_items_scored": gold["n"],
        "gold_as_of": gold_as_of,
        "reviews_decided": decided.count(),
        "rejection_rate": rejected / decided.count() if decided.count() else None,
        "correction_effort": efforts,
        # Under the project's qualification gate: pending, passed or failed; null without a gate.
        "qualification": member.qualification if gated(member, member.project) else None,
    }


def review_payload(review: Review) -> dict[str, Any]:
    """A review with the shapes to judge: the submission, any other annotators' (anonymised), the
    drafts and any consensus, each with its `kind` (submission, annotator, prelabel, consensus)."""
    assignment = review.assignment
    shapes = Annotation.objects.filter(item_id=assignment.item_id).exclude(source=Source.GOLD)
    item = assignment.item
    data = ReviewOutput(review).data
    pseudonyms = dict(
        Annotator.objects.filter(project_id=review.project_id).values_list("pk", "pseudonym")
    )
    data["item_detail"] = {
        "id": item.pk,
        "width": item.width,
        "height": item.height,
        "image_url": f"/api/items/{item.pk}/image/" if item.file else (item.uri or None),
    }
    data["annotations"] = [
        {
            **AnnotationOutput(a).data,
            "author": pseudonyms.get(a.author_id),
            "is_submission": a.author_id == assignment.annotator_id,
            "kind": _review_shape_kind(a, assignment),
        }
        for a in shapes
    ]
    return data


def _review_shape_kind(annotation: Annotation, assignment: Assignment) -> str:
    """submission, annotator (another person's work), prelabel or consensus: a consensus or a
    draft is no annotator, though neither has an author."""
    if annotation.author_id is not None and annotation.author_id == assignment.annotator_id:
        return "submission"
    return "annotator" if annotation.source == Source.HUMAN else annotation.source


def gold_usage(*, project_id: int, stale_days: int = 30) -> dict[str, Any]:
    now = timezone.now()
    rows = list(
        Item.objects.filter(project_id=project_id, is_gold=True)
        .annotate(
            uses=Count("assignments"),
            last_used=Max("assignments__leased_at"),
            mean_accuracy=Avg(
                "assignments__gold_accuracy", filter=Q(assignments__gold_accuracy__isnull=False)
            ),
        )
        .values("pk", "file_name", "uses", "last_used", "mean_accuracy", "created_at")
    )
    uses = np.array([r["uses"] for r in rows], dtype=float)
    median = float(np.median(uses)) if len(uses) else 0.0
    over_use_limit = max(2.0 * median, median + 5.0)
    cutoff = now - timedelta(days=stale_days)
    items = []
    for r in rows:
        last = r["last_used"]
        items.append(
            {
                "item": r["pk"],
                "file_name": r["file_name"],
                "uses": r["uses"],
                "last_used": last,
                "mean_accuracy": r["mean_accuracy"],
                "over_used": bool(r["uses"] > over_use_limit),
                "stale": bool((last or r["created_at"]) < cutoff),
            }
        )
    return {
        "median_uses": median,
        "over_use_limit": over_use_limit,
        "stale_days": stale_days,
        "items": items,
        "over_used": sum(i["over_used"] for i in items),
        "stale": sum(i["stale"] for i in items),
    }


def qualification_progress(*, project: Project) -> list[dict[str, Any]]:
    """Each gated member's state and their current attempt: the gold items scored of those that
    decide it (the first max(1, honeypot_initial_count) since joining or since the retake) and
    their mean accuracy. Empty while the gate is off."""
    if project.qualification_accuracy is None:
        return []
    members = list(
        Annotator.objects.filter(project=project, role=Role.ANNOTATOR).values(
            "id",
            "pseudonym",
            "user__username",
            "is_active",
            "qualification",
            "qualification_decided_at",
            "qualification_attempt_from",
        )
    )
    required = gold_items_required(project)
    gold = pd.DataFrame.from_records(
        Assignment.objects.filter(
            project=project,
            is_gold=True,
            gold_accuracy__isnull=False,
            annotator_id__in=[m["id"] for m in members],
        ).values_list("annotator_id", "submitted_at", "id", "gold_accuracy"),
        columns=["member", "submitted_at", "assignment", "accuracy"],
    )
    since = pd.Series(
        {m["id"]: m["qualification_attempt_from"] for m in members}, dtype="datetime64[ns, UTC]"
    )
    attempt_from = gold["member"].map(since)
    in_attempt = gold[attempt_from.isna() | (gold["submitted_at"] > attempt_from)]
    deciding = (
        in_attempt.sort_values(["submitted_at", "assignment"]).groupby("member").head(required)
    )
    scored = deciding.groupby("member")["accuracy"].agg(["size", "mean"])
    return [
        {
            "annotator": m["id"],
            "pseudonym": m["pseudonym"],
            "username": m["user__username"],
            "is_active": m["is_active"],
            "qualification": m["qualification"],
            "gold_scored": int(scored["size"].get(m["id"], 0)),
            "gold_required": required,
            "gold_accuracy": _float_or_none(scored["mean"].get(m["id"])),
            "bar": project.qualification_accuracy,
            "attempt_from": m["qualification_attempt_from"],
            "decided_at": m["qualification_decided_at"],
        }
        for m in members
    ]


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
