"""Queue page data: what the page's script needs to work the queue, and the user's own history.

An annotator sees only their own assignments (never whether an item is gold, never other
annotators); a reviewer sees their own decisions, with the authors' pseudonyms only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from apps.annotations.models import Annotation
from apps.dashboards.access import REVIEW_ROLES
from apps.dashboards.filters import PageFilters
from apps.dashboards.tables import Column, PageData, Table
from apps.projects.models import Annotator, LabelClass, Project
from apps.projects.selectors import membership_for
from apps.workflow.models import DEFAULT_REVIEW_QUEUE, Assignment, Review

HISTORY_ROWS = 200


def _with_class(query: QuerySet, assignment: str, filters: PageFilters) -> QuerySet:
    """Rows whose assignment's own work has a label of the class: the annotations its annotator
    drew on its item. Not any label on the item: another annotator's would match too, and the
    filter would tell which classes they drew. `assignment` is the lookup prefix to it."""
    if not filters.class_id:
        return query
    own = Annotation.objects.filter(
        item_id=OuterRef(f"{assignment}item_id"),
        author_id=OuterRef(f"{assignment}annotator_id"),
        label_class_id=filters.class_id,
        source="human",
    )
    return query.filter(Exists(own))


def submissions_table(member: Annotator, filters: PageFilters) -> Table:
    query = Assignment.objects.filter(annotator=member, submitted_at__isnull=False)
    if filters.since:
        query = query.filter(submitted_at__gte=filters.since)
    if filters.until:
        query = query.filter(submitted_at__lt=filters.until)
    query = _with_class(query, "", filters).order_by("-submitted_at")[:HISTORY_ROWS]
    rows = list(
        query.values("id", "item_id", "status", "submitted_at", "rework_cycles", "server_seconds")
    )
    return Table(
        "my_submissions",
        "My submissions",
        [
            Column("id", "assignment", "int"),
            Column("item_id", "item", "int"),
            Column("status", "status"),
            Column("submitted_at", "submitted", "date"),
            Column("rework_cycles", "rework cycles", "int"),
            Column("server_seconds", "seconds", "number", 0),
        ],
        rows,
        empty="Nothing submitted in this window.",
    )


def decisions_table(member: Annotator, filters: PageFilters) -> Table:
    query = Review.objects.filter(reviewer=member, decided_at__isnull=False)
    if filters.since:
        query = query.filter(decided_at__gte=filters.since)
    if filters.until:
        query = query.filter(decided_at__lt=filters.until)
    if filters.cohort_id:
        query = query.filter(assignment__annotator__cohort_id=filters.cohort_id)
    query = _with_class(query, "assignment__", filters).order_by("-decided_at")
    rows = list(
        query[:HISTORY_ROWS].values(
            "id",
            "assignment__item_id",
            "queue",
            "status",
            "reason",
            "decided_at",
            "assignment__annotator__pseudonym",
            "assignment__annotator__cohort__name",
        )
    )
    return Table(
        "my_decisions",
        "My review decisions",
        [
            Column("id", "review", "int"),
            Column("assignment__item_id", "item", "int"),
            Column("queue", "queue"),
            Column("status", "decision"),
            Column("reason", "reason"),
            Column("decided_at", "decided", "date"),
            Column("assignment__annotator__pseudonym", "annotator"),
            Column("assignment__annotator__cohort__name", "cohort"),
        ],
        rows,
        empty="No decisions in this window.",
    )


def review_queues(project_id: int) -> list[str]:
    names = set(
        Review.objects.filter(project_id=project_id).values_list("queue", flat=True).distinct()
    )
    return [DEFAULT_REVIEW_QUEUE, *sorted(names - {DEFAULT_REVIEW_QUEUE})]


def queue_page(user: Any, project: Project, role: str, filters: PageFilters) -> PageData:
    member = membership_for(user=user, project_id=project.pk)
    reviews = role in REVIEW_ROLES
    page = PageData()
    if member is not None:
        if reviews:
            page.add(decisions_table(member, filters))
        page.add(submissions_table(member, filters))
    pending = (
        dict(
            Review.objects.filter(project_id=project.pk, status="pending")
            .values("queue")
            .annotate(n=Count("id"))
            .values_list("queue", "n")
        )
        if reviews
        else {}
    )
    page.context["queue_config"] = {
        "project": project.pk,
        "member": member is not None,
        "modes": ["review", "annotate"] if reviews else ["annotate"],
        "queues": review_queues(project.pk) if reviews else [],
        "pending": pending,
        "classes": [
            {"id": c.pk, "name": c.name, "color": c.color}
            for c in LabelClass.objects.filter(project_id=project.pk).order_by("id")
        ],
        "reasons": [
            "missing objects",
            "loose or tight boxes",
            "wrong class",
            "duplicate shapes",
            "guideline unclear",
        ],
    }
    return page
