"""One-to-one assignment of gold objects to annotated objects on an IoU matrix.

Objective (the same everywhere in labelqc): among pairs whose IoU reaches the threshold, choose a
one-to-one set that first has the largest number of pairs and, among those, the largest total IoU.
It is solved exactly with ``scipy.optimize.linear_sum_assignment`` by giving every eligible pair a
gain of ``bonus + iou`` with ``bonus > min(n, m)``, so one more pair always outweighs any IoU.

This optimal assignment can differ from COCOeval's greedy matching (detections in score order
take their best remaining ground truth) on a few boxes where objects overlap: greedy can strand a
box that an optimal assignment would match, so labelqc's TP count is never lower than COCOeval's
on the same candidates, and in practice equal on all but a handful of crowded scenes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from labelqc.geometry.codes import sorted_unique

IouThreshold = float | Mapping[int, float]


def _check_threshold_value(value: float, where: str) -> float:
    threshold = float(value)
    if not (0.0 < threshold <= 1.0):
        raise ValueError(f"{where}: IoU threshold must be in (0, 1], got {value!r}")
    return threshold


def thresholds_for_classes(iou_threshold: IouThreshold, class_ids: ArrayLike) -> np.ndarray:
    """Return the IoU threshold applying to each entry of ``class_ids`` as a float64 array.

    ``iou_threshold`` is one float for every class or a ``{class_id: threshold}`` mapping that must
    cover every class present; thresholds lie in (0, 1] (a pair needs ``iou >= threshold``).
    """
    classes = np.asarray(class_ids, dtype=np.int64)
    if isinstance(iou_threshold, Mapping):
        table = {
            int(cls): _check_threshold_value(thr, f"iou_threshold[{cls!r}]")
            for cls, thr in iou_threshold.items()
        }
        unique_classes = sorted_unique(classes)
        missing = [int(c) for c in unique_classes if int(c) not in table]
        if missing:
            raise ValueError(f"iou_threshold: no threshold for class_id(s) {missing}")
        if classes.size == 0:
            return np.zeros(0, dtype=np.float64)
        lookup = np.array([table[int(c)] for c in unique_classes], dtype=np.float64)
        return lookup[np.searchsorted(unique_classes, classes)]
    if isinstance(iou_threshold, bool) or not isinstance(iou_threshold, int | float | np.number):
        raise ValueError(
            f"iou_threshold: expected a float or a {{class_id: float}} mapping, got {iou_threshold!r}"
        )
    threshold = _check_threshold_value(iou_threshold, "iou_threshold")
    return np.full(classes.shape, threshold, dtype=np.float64)


def assign_candidates(
    rows: np.ndarray, cols: np.ndarray, iou: np.ndarray, n_rows: int, n_cols: int
) -> np.ndarray:
    """Solve the assignment for one group given its eligible (row, col, iou) candidates.

    ``rows``/``cols`` are local indices below ``n_rows``/``n_cols`` with no duplicate pair.
    Returns the positions (into the candidate arrays) of the chosen pairs.
    """
    bonus = float(min(n_rows, n_cols) + 1)
    gain = np.zeros((n_rows, n_cols), dtype=np.float64)
    position = np.full((n_rows, n_cols), -1, dtype=np.int64)
    gain[rows, cols] = bonus + iou
    position[rows, cols] = np.arange(rows.size)
    chosen_rows, chosen_cols = linear_sum_assignment(gain, maximize=True)
    chosen = position[chosen_rows, chosen_cols]
    return chosen[chosen >= 0]


def match_iou_matrix(iou: ArrayLike, threshold: float | ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one match rows to columns of an (N, M) IoU matrix.

    ``threshold`` is a float or one threshold per row (N,); a pair is eligible when
    ``iou >= threshold`` (and IoU > 0).  Returns ``(row_indices, col_indices)`` of the matched
    pairs, sorted by row, maximizing the number of pairs first and total IoU second.
    """
    matrix = np.asarray(iou, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"iou: expected a 2-D matrix, got shape {matrix.shape}")
    if not np.isfinite(matrix).all() or (matrix < 0).any() or (matrix > 1).any():
        raise ValueError("iou: values must lie in [0, 1]")
    row_thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (matrix.shape[0],))
    if ((row_thresholds <= 0) | (row_thresholds > 1)).any():
        raise ValueError("threshold: IoU threshold must be in (0, 1]")
    rows, cols = np.nonzero((matrix >= row_thresholds[:, None]) & (matrix > 0))
    if rows.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    chosen = assign_candidates(rows, cols, matrix[rows, cols], matrix.shape[0], matrix.shape[1])
    order = np.argsort(rows[chosen], kind="stable")
    return rows[chosen][order].astype(np.int64), cols[chosen][order].astype(np.int64)
