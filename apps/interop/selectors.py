"""Reads for imports and exports: the project's items, taxonomy, members and filtered shapes."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from apps.annotations.models import Annotation, Source
from apps.interop.conf import IMPORT_KIND
from apps.items.models import Item
from apps.jobs.models import Job, JobStatus
from apps.projects.models import Annotator, LabelClass
from apps.workflow.models import Assignment, AssignmentStatus, Review, ReviewStatus

APPROVED = (ReviewStatus.APPROVED, ReviewStatus.EDITED)
GOLD_ANNOTATOR = -1


@dataclass(frozen=True)
class ExportFilter:
    """Which annotations an export takes; empty tuples mean no restriction."""

    sources: tuple[str, ...] = (Source.HUMAN,)
    approved_only: bool = False
    annotators: tuple[int, ...] = ()
    classes: tuple[int, ...] = ()
    created_after: datetime | None = None
    created_before: datetime | None = None


def item_frame(*, project_id: int) -> pd.DataFrame:
    """item_id, file_name, sha256, width, height of every item of the project."""
    rows = Item.objects.filter(project_id=project_id).values_list(
        "id", "file_name", "sha256", "width", "height", "uri"
    )
    frame = pd.DataFrame(
        list(rows), columns=["item_id", "file_name", "sha256", "width", "height", "uri"]
    )
    # Items registered by URI may have no file name; their URI's last part stands in.
    missing = frame["file_name"].fillna("") == ""
    frame.loc[missing, "file_name"] = [posixpath.basename(u or "") for u in frame["uri"][missing]]
    return frame.drop(columns="uri").astype({"item_id": np.int64})


def image_sizes_by_basename(items: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """{base name: (width, height)} for readers that need sizes (YOLO, Label Studio)."""
    sizes: dict[str, tuple[int, int]] = {}
    ambiguous: set[str] = set()
    for name, width, height in zip(
        items["file_name"], items["width"], items["height"], strict=True
    ):
        base = posixpath.basename(str(name))
        if not base:
            continue
        if base in sizes and sizes[base] != (int(width), int(height)):
            ambiguous.add(base)
        sizes[base] = (int(width), int(height))
    return {k: v for k, v in sizes.items() if k not in ambiguous}


def taxonomy(*, project_id: int) -> dict[str, int]:
    return dict(LabelClass.objects.filter(project_id=project_id).values_list("name", "id"))


def member_lookup(*, project_id: int) -> dict[str, int]:
    """Annotator ids by username, and by e-mail (lower case) where that is not a username."""
    lookup: dict[str, int] = {}
    rows = Annotator.objects.filter(project_id=project_id).values_list(
        "id", "user__username", "user__email"
    )
    for member_id, _, email in rows:
        if email:
            lookup.setdefault(email.lower(), member_id)
    for member_id, username, _ in rows:
        lookup[username] = member_id
    return lookup


def member_names(*, project_id: int) -> dict[int, str]:
    return dict(Annotator.objects.filter(project_id=project_id).values_list("id", "user__username"))


def approved_assignments(*, project_id: int) -> QuerySet[Assignment]:
    """Assignments whose latest review approved them (as is or with edits)."""
    latest = Review.objects.filter(assignment=OuterRef("pk")).order_by("-id").values("status")[:1]
    return (
        Assignment.objects.filter(project_id=project_id)
        .annotate(latest_review=Subquery(latest))
        .filter(latest_review__in=APPROVED)
    )


def filtered_annotations(*, project_id: int, filters: ExportFilter) -> QuerySet[Annotation]:
    query = Annotation.objects.filter(project_id=project_id)
    if filters.sources:
        query = query.filter(source__in=filters.sources)
    if filters.annotators:
        query = query.filter(author_id__in=filters.annotators)
    if filters.classes:
        query = query.filter(label_class_id__in=filters.classes)
    if filters.created_after is not None:
        query = query.filter(created_at__gte=filters.created_after)
    if filters.created_before is not None:
        query = query.filter(created_at__lt=filters.created_before)
    if filters.approved_only:
        approved = approved_assignments(project_id=project_id).filter(
            item_id=OuterRef("item_id"), annotator_id=OuterRef("author_id")
        )
        query = query.filter(Exists(approved))
    return query.order_by("id")


EXPORT_FIELDS = (
    "id",
    "item_id",
    "author_id",
    "model_id",
    "source",
    "label_class_id",
    "geometry_type",
    "geometry",
    "x",
    "y",
    "w",
    "h",
    "attributes",
    "score",
)


def export_rows(*, project_id: int, filters: ExportFilter) -> list[dict[str, Any]]:
    return list(filtered_annotations(project_id=project_id, filters=filters).values(*EXPORT_FIELDS))


def items_by_id(*, item_ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = Item.objects.filter(pk__in=item_ids).values("id", "file_name", "uri", "width", "height")
    return {row["id"]: row for row in rows}


def class_names(*, project_id: int, class_ids: tuple[int, ...] = ()) -> dict[int, str]:
    query = LabelClass.objects.filter(project_id=project_id)
    if class_ids:
        query = query.filter(pk__in=class_ids)
    return dict(query.order_by("id").values_list("id", "name"))


def _box_frame(query: QuerySet[Annotation]) -> pd.DataFrame:
    rows = list(query.values_list("item_id", "author_id", "label_class_id", "x", "y", "w", "h"))
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"])
    frame["annotator_id"] = (
        pd.array(frame["annotator_id"], dtype="Int64").fillna(GOLD_ANNOTATOR).astype(np.int64)
    )
    return frame.astype(
        {"item_id": np.int64, "class_id": np.int64, "x": float, "y": float, "w": float, "h": float}
    )


@dataclass(frozen=True)
class GoldFrames:
    gold: pd.DataFrame
    human: pd.DataFrame
    assignments: pd.DataFrame
    gold_items: list[int]


def gold_frames(*, project_id: int, filters: ExportFilter) -> GoldFrames:
    """Gold shapes and the human shapes on gold items (as boxes), filtered for a QA report."""
    shapes = Annotation.objects.filter(project_id=project_id).exclude(geometry_type="tag")
    gold = shapes.filter(source=Source.GOLD)
    if filters.classes:
        gold = gold.filter(label_class_id__in=filters.classes)
    gold_items = sorted(
        set(Item.objects.filter(project_id=project_id, is_gold=True).values_list("id", flat=True))
        | set(
            Annotation.objects.filter(project_id=project_id, source=Source.GOLD).values_list(
                "item_id", flat=True
            )
        )
    )
    human_filter = ExportFilter(
        sources=(Source.HUMAN,),
        approved_only=filters.approved_only,
        annotators=filters.annotators,
        classes=filters.classes,
        created_after=filters.created_after,
        created_before=filters.created_before,
    )
    human = (
        filtered_annotations(project_id=project_id, filters=human_filter)
        .exclude(geometry_type="tag")
        .filter(item_id__in=gold_items, author__isnull=False)
    )
    submitted = Assignment.objects.filter(
        project_id=project_id,
        status=AssignmentStatus.SUBMITTED,
        item_id__in=gold_items,
        annotator__isnull=False,
    )
    if filters.annotators:
        submitted = submitted.filter(annotator_id__in=filters.annotators)
    assignments = pd.DataFrame(
        list(submitted.values_list("item_id", "annotator_id")), columns=["item_id", "annotator_id"]
    ).astype(np.int64)
    return GoldFrames(_box_frame(gold), _box_frame(human), assignments, gold_items)


def identical_import(*, project_id: int, sha256: str, job_id: int | None = None) -> Job | None:
    """The first import job of a file with this SHA-256 into the project that a new one repeats.

    A succeeded import counts, and so does one still pending or running (for a running job
    ``job_id``: one queued before it), so two identical uploads do not both write; failed and
    cancelled imports wrote nothing and do not count.
    """
    queued = Q(status__in=(JobStatus.PENDING, JobStatus.RUNNING))
    if job_id is not None:
        queued &= Q(pk__lt=job_id)
    jobs = Job.objects.filter(kind=IMPORT_KIND, project_id=project_id, params__sha256=sha256)
    if job_id is not None:
        jobs = jobs.exclude(pk=job_id)
    return jobs.filter(Q(status=JobStatus.SUCCEEDED) | queued).order_by("pk").first()
