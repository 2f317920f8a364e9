"""Draft quality by model version: correction-effort and missed-object rows ->
labelqc.draft_quality, counted in SQL (one grouped query each, whatever the project's size)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from django.db.models import BooleanField, Case, Count, F, Q, Sum, Value, When

from apps.analytics.draft_review import submitted_efforts
from apps.common.values import plain
from apps.projects.models import LabelClass
from apps.workflow.models import MissedObject
from labelqc.draft_quality import draft_quality

ALL_CLASSES = "all classes"


def _draft_groups(project_id: int, since, until, cohort_id, class_id, model_id) -> pd.DataFrame:
    query = submitted_efforts(project_id, since, until, cohort_id, class_id)
    if model_id:
        query = query.filter(prelabel__model_id=model_id)
    rows = (
        query.annotate(
            deleted=Case(
                When(final_label_class__isnull=True, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            relabeled=Case(
                When(
                    Q(final_label_class__isnull=False) & ~Q(final_label_class=F("label_class")),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values("prelabel__model_id", "label_class_id", "bucket", "deleted", "relabeled")
        .annotate(n=Count("id"), iou_sum=Sum("iou"))
        .order_by()
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "prelabel__model_id", "label_class_id", "bucket", "deleted", "relabeled", "n",
            "iou_sum",
        ],
    )  # fmt: skip
    return frame.rename(columns={"prelabel__model_id": "model_id", "label_class_id": "class_id"})


def _miss_groups(project_id: int, since, until, cohort_id, class_id, model_id) -> pd.DataFrame:
    query = MissedObject.objects.filter(project_id=project_id)
    lookups = {
        "assignment__submitted_at__gte": since,
        "assignment__submitted_at__lt": until,
        "assignment__annotator__cohort_id": cohort_id,
        "label_class_id": class_id,
        "model_id": model_id,
    }
    query = query.filter(**{k: v for k, v in lookups.items() if v is not None})
    rows = query.values("model_id", "label_class_id").annotate(n=Count("id")).order_by()
    frame = pd.DataFrame(list(rows), columns=["model_id", "label_class_id", "n"])
    return frame.rename(columns={"label_class_id": "class_id"})


def draft_quality_rows(
    *,
    project_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    cohort_id: int | None = None,
    class_id: int | None = None,
    model_id: str | None = None,
) -> list[dict[str, Any]]:
    """Per model version and class (then the model over all classes): drafts, kept, deleted,
    added by humans, the kept drafts' effort mix, precision, recall and mean IoU."""
    table = draft_quality(
        _draft_groups(project_id, since, until, cohort_id, class_id, model_id),
        _miss_groups(project_id, since, until, cohort_id, class_id, model_id),
    )
    names = dict(LabelClass.objects.filter(project_id=project_id).values_list("pk", "name"))
    rows = []
    for record in table.to_dict("records"):
        row = {key: plain(value) for key, value in record.items()}
        class_id_ = row.pop("class_id")
        row["label_class"] = int(class_id_) if class_id_ is not None else None
        row["class_name"] = names.get(row["label_class"], ALL_CLASSES) if class_id_ else ALL_CLASSES
        rows.append(row)
    return rows
