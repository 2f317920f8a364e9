"""Backend results -> annotation records, written through apps.annotations (validated, audited).

Every pre-label is a mask annotation with source "prelabel", the backend's model id and score,
and in `attributes`:
  uncertainty            combined uncertainty, a float in [0, 1] (1 = most unsure), or None when
                         the backend has no calibrated signal (GrabCut); the escalation rules
                         read it as the fact `prelabel_uncertainty`
  uncertainty_reason     why it is None, else absent
  uncertainty_components the components it combines (see labelqc.prelabel.uncertainty)
  predicted_iou, backend, prelabel_job, prompt_annotation (the box it came from, or None for
  automatic masks) and, for video, track_id / frame_index / review_flags.
"""

from __future__ import annotations

import math
from typing import Any

from apps.annotations.models import Annotation, GeometryType, Source
from apps.annotations.services import annotations_bulk_create
from apps.common.roles import Role
from labelqc.prelabel import Uncertainty


def unit_or_none(value: float | None) -> float | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return float(min(max(float(value), 0.0), 1.0))


def uncertainty_attributes(uncertainty: Uncertainty, predicted_iou: float | None) -> dict:
    attributes: dict[str, Any] = {
        "uncertainty": unit_or_none(uncertainty.combined),
        "uncertainty_components": {
            "iou_uncertainty": unit_or_none(uncertainty.iou_uncertainty),
            "instability": unit_or_none(uncertainty.instability),
            "multimask_disagreement": unit_or_none(uncertainty.multimask_disagreement),
            "object_score_entropy": unit_or_none(uncertainty.object_score_entropy),
        },
        "predicted_iou": unit_or_none(predicted_iou),
    }
    if attributes["uncertainty"] is None:
        attributes["uncertainty_reason"] = uncertainty.reason or "no uncertainty signal"
    return attributes


def mask_record(
    *,
    item_id: int,
    class_id: int,
    rle: dict[str, Any],
    score: float | None,
    model_id: str,
    attributes: dict[str, Any],
) -> dict[str, Any]:
    return {
        "item": item_id,
        "label_class": class_id,
        "geometry_type": GeometryType.MASK,
        "geometry": {"rle": rle},
        "source": Source.PRELABEL,
        "author": None,
        "model_id": model_id,
        "score": unit_or_none(score),
        "attributes": attributes,
    }


def write_prelabels(
    *, actor: Any, project_id: int, records: list[dict[str, Any]], reason: str
) -> list[Annotation]:
    """Create the records (all or none) through the validated, audited annotation service."""
    if not records:
        return []
    return annotations_bulk_create(
        actor=actor,
        project_id=project_id,
        records=records,
        role=Role.ADMIN,
        member=None,
        reason=reason,
    )
