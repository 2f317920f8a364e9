"""Rows -> the canonical frames the domain core computes on (see labelqc's column conventions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from apps.annotations.models import Annotation, Source
from apps.items.models import Item
from apps.projects.models import Annotator
from apps.workflow.models import Assignment, AssignmentStatus

GOLD_ANNOTATOR = -1
ANNOTATION_FIELDS = (
    "id",
    "item_id",
    "author_id",
    "label_class_id",
    "x",
    "y",
    "w",
    "h",
    "area",
    "created_at",
    "attributes",
    "geometry_type",
)


@dataclass(frozen=True)
class ProjectFrames:
    gold: pd.DataFrame
    annotations: pd.DataFrame
    items: pd.DataFrame
    assignments: pd.DataFrame
    annotators: pd.DataFrame


def _annotation_frame(query) -> pd.DataFrame:
    rows = list(query.values_list(*ANNOTATION_FIELDS))
    frame = pd.DataFrame(rows, columns=list(ANNOTATION_FIELDS))
    attributes = frame.pop("attributes")
    frame["occluded"] = [bool((a or {}).get("occluded", False)) for a in attributes]
    frame["truncated"] = [bool((a or {}).get("truncated", False)) for a in attributes]
    frame = frame.rename(
        columns={"id": "ann_id", "author_id": "annotator_id", "label_class_id": "class_id"}
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["annotator_id"] = (
        pd.array(frame["annotator_id"], dtype="Int64").fillna(GOLD_ANNOTATOR).astype(np.int64)
    )
    return frame.astype(
        {
            "ann_id": np.int64,
            "item_id": np.int64,
            "class_id": np.int64,
            "x": float,
            "y": float,
            "w": float,
            "h": float,
            "area": float,
        }
    )


def project_frames(
    *,
    project_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    class_ids: list[int] | None = None,
    annotator_ids: list[int] | None = None,
    cohort_ids: list[int] | None = None,
    item_min: int | None = None,
    item_max: int | None = None,
) -> ProjectFrames:
    """Gold shapes, human shapes (boxes of every shape type) and who worked what, as frames.

    item_min / item_max (inclusive) cut one shard: every row of those items and nothing else.
    """
    item_range = {}
    if item_min is not None:
        item_range["item_id__gte"] = item_min
    if item_max is not None:
        item_range["item_id__lte"] = item_max
    shapes = Annotation.objects.filter(project_id=project_id, **item_range).exclude(
        geometry_type="tag"
    )
    human = shapes.filter(source=Source.HUMAN)
    if since is not None:
        human = human.filter(created_at__gte=since)
    if until is not None:
        human = human.filter(created_at__lt=until)
    if annotator_ids:
        human = human.filter(author_id__in=annotator_ids)
    if cohort_ids:
        human = human.filter(author__cohort_id__in=cohort_ids)
    gold = shapes.filter(source=Source.GOLD)
    if class_ids:
        human, gold = (
            human.filter(label_class_id__in=class_ids),
            gold.filter(label_class_id__in=class_ids),
        )
    annotators = pd.DataFrame(
        list(
            Annotator.objects.filter(project_id=project_id).values_list(
                "id", "cohort_id", "pseudonym"
            )
        ),
        columns=["annotator_id", "cohort_id", "pseudonym"],
    )
    annotations = _annotation_frame(human)
    cohort = dict(zip(annotators["annotator_id"], annotators["cohort_id"], strict=True))
    annotations["cohort_id"] = annotations["annotator_id"].map(cohort).fillna(-1).astype(np.int64)
    items = pd.DataFrame(
        list(
            Item.objects.filter(
                project_id=project_id,
                **{key.replace("item_id", "id"): v for key, v in item_range.items()},
            ).values_list("id", "width", "height", "scene_tags", "is_gold")
        ),
        columns=["item_id", "width", "height", "scene_tags", "is_gold"],
    ).astype({"item_id": np.int64, "width": np.int64, "height": np.int64, "is_gold": bool})
    items["scene_tags"] = [tuple(t or ()) for t in items["scene_tags"]]
    submitted = Assignment.objects.filter(
        project_id=project_id, status=AssignmentStatus.SUBMITTED, **item_range
    )
    if since is not None:
        submitted = submitted.filter(submitted_at__gte=since)
    if until is not None:
        submitted = submitted.filter(submitted_at__lt=until)
    if annotator_ids:
        submitted = submitted.filter(annotator_id__in=annotator_ids)
    if cohort_ids:
        submitted = submitted.filter(annotator__cohort_id__in=cohort_ids)
    assignments = pd.DataFrame(
        list(submitted.values_list("item_id", "annotator_id", "is_gold", "submitted_at")),
        columns=["item_id", "annotator_id", "is_gold", "submitted_at"],
    ).astype({"item_id": np.int64, "annotator_id": np.int64, "is_gold": bool})
    return ProjectFrames(_annotation_frame(gold), annotations, items, assignments, annotators)
