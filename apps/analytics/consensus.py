"""Consensus labels written back as annotations with source = consensus."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Avg

from apps.analytics.frames import project_frames
from apps.annotations.models import Annotation, Source
from apps.annotations.services import annotation_delete, annotations_bulk_create
from apps.common.roles import Role
from apps.jobs.services import job_finish, job_lock_running
from apps.workflow.models import Assignment
from labelqc.agreement import consensus_boxes, dawid_skene, match_objects

DEFAULT_SKILL = 0.5


def annotator_skills(
    project_id: int, matched: pd.DataFrame, weighting: str
) -> dict[int, float] | None:
    """Weights per annotator: mean gold accuracy, or Dawid-Skene skill on matched objects' classes."""
    annotators = matched["annotator_id"].unique()
    if weighting == "none":
        return None
    if weighting == "dawid_skene":
        labels = pd.DataFrame(
            {
                "task": matched["item_id"].astype(str) + ":" + matched["object_id"].astype(str),
                "worker": matched["annotator_id"],
                "label": matched["class_id"],
            }
        )
        skills = dawid_skene(labels).skills
        return {int(a): max(float(skills.get(a, DEFAULT_SKILL)), 1e-3) for a in annotators}
    scores = dict(
        Assignment.objects.filter(project_id=project_id, is_gold=True, gold_accuracy__isnull=False)
        .values("annotator_id")
        .annotate(score=Avg("gold_accuracy"))
        .values_list("annotator_id", "score")
    )
    return {int(a): max(float(scores.get(int(a), DEFAULT_SKILL)), 1e-3) for a in annotators}


def compute_consensus(
    *, project_id: int, iou_threshold: float, min_annotators: int, weighting: str
) -> pd.DataFrame:
    frames = project_frames(project_id=project_id)
    regular = frames.items.loc[~frames.items["is_gold"], "item_id"]
    human = frames.annotations[frames.annotations["item_id"].isin(regular)]
    per_item = human.groupby("item_id")["annotator_id"].nunique()
    eligible = per_item[per_item >= min_annotators]
    human = human[human["item_id"].isin(eligible.index)]
    if human.empty:
        return pd.DataFrame(columns=["item_id", "class_id", "x", "y", "w", "h", "n_annotators"])
    matched = match_objects(human, iou_threshold)
    result = consensus_boxes(matched, annotator_skills(project_id, matched, weighting))
    # An object is kept when a strict majority of the item's annotators drew it.
    majority = result["n_annotators"].to_numpy() * 2 > result["item_id"].map(eligible).to_numpy()
    return result[majority].reset_index(drop=True)


def write_consensus(
    *,
    actor: Any,
    project_id: int,
    iou_threshold: float = 0.5,
    min_annotators: int = 2,
    weighting: str = "gold",
    job_id: int | None = None,
) -> dict[str, int] | None:
    """Replace the project's consensus annotations with freshly computed ones, atomically.

    Run by a job (`job_id`): the job finishes in the same transaction, and a job cancelled while
    the consensus was computed writes nothing (returns None).
    """
    result = compute_consensus(
        project_id=project_id,
        iou_threshold=iou_threshold,
        min_annotators=min_annotators,
        weighting=weighting,
    )
    model_id = f"consensus:{weighting}"
    with transaction.atomic():
        if job_id is not None and not job_lock_running(job_id):
            return None
        old = list(Annotation.objects.filter(project_id=project_id, source=Source.CONSENSUS))
        for annotation in old:
            annotation_delete(
                actor=actor,
                annotation=annotation,
                base_version=None,
                role=Role.ADMIN,
                member=None,
                reason="replaced by a new consensus run",
            )
        records = [
            {
                "item": int(row.item_id),
                "label_class": int(row.class_id),
                "geometry_type": "box",
                "geometry": {
                    "x": float(row.x),
                    "y": float(row.y),
                    "w": float(row.w),
                    "h": float(row.h),
                },
                "source": Source.CONSENSUS,
                "model_id": model_id,
                "attributes": {"n_annotators": int(row.n_annotators)},
            }
            for row in result.itertuples(index=False)
        ]
        created = (
            annotations_bulk_create(
                actor=actor,
                project_id=project_id,
                records=records,
                role=Role.ADMIN,
                member=None,
                reason="consensus",
            )
            if records
            else []
        )
        summary = {
            "replaced": len(old),
            "created": len(created),
            "items": int(np.unique(result["item_id"]).size) if len(result) else 0,
        }
        if job_id is not None:
            job_finish(job_id, result=summary)
    return summary
