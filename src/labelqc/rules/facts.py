"""Facts the rules read that need computing, such as disagreement between annotators."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from labelqc.geometry import box_iou, match_iou_matrix


def item_disagreement(
    boxes_by_annotator: Mapping[int, np.ndarray], min_iou: float = 0.1
) -> float | None:
    """1 - mean pairwise agreement of one item's annotators (None with fewer than two).

    Agreement of a pair = sum of matched IoUs / max(objects of either), the Label Studio-style
    pairwise score for boxes, so missing and extra boxes count as disagreement.
    """
    annotators = sorted(boxes_by_annotator)
    if len(annotators) < 2:
        return None
    scores = []
    for i, first in enumerate(annotators):
        for second in annotators[i + 1 :]:
            a = np.asarray(boxes_by_annotator[first], dtype=np.float64).reshape(-1, 4)
            b = np.asarray(boxes_by_annotator[second], dtype=np.float64).reshape(-1, 4)
            denominator = max(len(a), len(b))
            if denominator == 0:
                scores.append(1.0)
                continue
            iou = box_iou(a, b)
            rows, cols = (
                match_iou_matrix(iou, min_iou)
                if iou.size
                else (np.array([], int), np.array([], int))
            )
            scores.append(float(iou[rows, cols].sum()) / denominator)
    return float(1.0 - np.mean(scores))
