"""Correction effort: how much a human changed the pre-labels of an item.

Each pre-label is matched one-to-one to a final shape (optimal assignment on IoU, any positive
overlap), and bucketed by that IoU: >= `approved_iou` approved as is, >= `minor_iou` minor edit,
else rework; a changed class makes an "approved as is" a minor edit. A pre-label the human
deleted (no overlapping final shape) counts as rework with IoU 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from labelqc.geometry import match_iou_matrix

APPROVED_AS_IS = "approved_as_is"
MINOR_EDIT = "minor_edit"
REWORK = "rework"


@dataclass(frozen=True)
class EffortThresholds:
    approved_iou: float = 0.95
    minor_iou: float = 0.75

    def __post_init__(self) -> None:
        if not 0.0 <= self.minor_iou <= self.approved_iou <= 1.0:
            raise ValueError("thresholds: need 0 <= minor_iou <= approved_iou <= 1")


def effort_bucket(iou: np.ndarray, thresholds: EffortThresholds) -> np.ndarray:
    iou = np.asarray(iou, dtype=np.float64)
    return np.where(
        iou >= thresholds.approved_iou,
        APPROVED_AS_IS,
        np.where(iou >= thresholds.minor_iou, MINOR_EDIT, REWORK),
    )


def correction_effort(
    iou: np.ndarray,
    thresholds: EffortThresholds = EffortThresholds(),
    prelabel_classes: ArrayLike | None = None,
    final_classes: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From an (n_prelabels, n_final) IoU matrix: matched final index (-1 = deleted), IoU, bucket.

    With the classes of both sides, a pre-label whose class the human changed is at least a minor
    edit, however well its shape was kept.
    """
    iou = (
        np.asarray(iou, dtype=np.float64).reshape(iou.shape[0], -1)
        if np.size(iou)
        else np.zeros((np.shape(iou)[0], 0))
    )
    n_pre = iou.shape[0]
    final_index = np.full(n_pre, -1, dtype=np.int64)
    matched_iou = np.zeros(n_pre, dtype=np.float64)
    if n_pre and iou.shape[1]:
        rows, cols = match_iou_matrix(iou, 1e-9)
        final_index[rows] = cols
        matched_iou[rows] = iou[rows, cols]
    bucket = effort_bucket(matched_iou, thresholds)
    if prelabel_classes is not None and final_classes is not None:
        matched = final_index >= 0
        relabeled = np.zeros(n_pre, dtype=bool)
        relabeled[matched] = (
            np.asarray(prelabel_classes)[matched] != np.asarray(final_classes)[final_index[matched]]
        )
        bucket = np.where(relabeled & (bucket == APPROVED_AS_IS), MINOR_EDIT, bucket)
    return final_index, matched_iou, bucket
