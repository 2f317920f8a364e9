"""Axis-aligned box IoU for pixel boxes in COCO ``xywh`` form.

Definitions follow pycocotools (``maskApi.c`` ``bbIou`` with ``iscrowd=0``): the intersection of
two boxes counts only when both its width and height are strictly positive, the union is
``area_a + area_b - intersection`` and IoU is ``intersection / union``; boxes that do not overlap
(including zero-area boxes) have IoU 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def as_box_array(boxes: ArrayLike, name: str = "boxes") -> np.ndarray:
    """Return ``boxes`` as a float64 (N, 4) array, raising ValueError on a wrong shape or value."""
    array = np.asarray(boxes, dtype=np.float64)
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, 4)
    if array.ndim != 2 or array.shape[1] != 4:
        raise ValueError(f"{name}: expected an (N, 4) array of x, y, w, h, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: holds a non-finite coordinate")
    if (array[:, 2:] < 0).any():
        raise ValueError(f"{name}: holds a negative width or height")
    return array


def iou_of_columns(
    ax: np.ndarray,
    ay: np.ndarray,
    aw: np.ndarray,
    ah: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    bw: np.ndarray,
    bh: np.ndarray,
) -> np.ndarray:
    """IoU from broadcastable x, y, w, h arrays of two box sets (no validation; hot path)."""
    inter_w = np.minimum(ax + aw, bx + bw) - np.maximum(ax, bx)
    inter_h = np.minimum(ay + ah, by + bh) - np.maximum(ay, by)
    overlaps = (inter_w > 0) & (inter_h > 0)
    intersection = np.where(overlaps, inter_w * inter_h, 0.0)
    # Areas from w * h (not from corner differences) so results equal pycocotools bit for bit.
    union = aw * ah + bw * bh - intersection
    # Without overlap (or with an underflowing area) the union may be 0: IoU is 0 there.
    overlaps &= union > 0
    safe_union = np.where(overlaps, union, 1.0)
    # Rounding in (x + w) - x can push the intersection a hair above a box's own area.
    return np.where(overlaps, np.minimum(intersection / safe_union, 1.0), 0.0)


def box_iou(boxes_a: ArrayLike, boxes_b: ArrayLike) -> np.ndarray:
    """IoU of every box in ``boxes_a`` (N, 4) with every box in ``boxes_b`` (M, 4), xywh.

    Returns an (N, M) float64 array with values in [0, 1]; equal to
    ``pycocotools.mask.iou(boxes_a, boxes_b, [0] * M)``.
    """
    a = as_box_array(boxes_a, "boxes_a")
    b = as_box_array(boxes_b, "boxes_b")
    return iou_of_columns(
        a[:, 0:1],
        a[:, 1:2],
        a[:, 2:3],
        a[:, 3:4],
        b[None, :, 0],
        b[None, :, 1],
        b[None, :, 2],
        b[None, :, 3],
    )


def box_iou_pairs(boxes_a: ArrayLike, boxes_b: ArrayLike) -> np.ndarray:
    """IoU of row-aligned box pairs: ``boxes_a[i]`` with ``boxes_b[i]``, both (N, 4) xywh -> (N,)."""
    a = as_box_array(boxes_a, "boxes_a")
    b = as_box_array(boxes_b, "boxes_b")
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"boxes_a and boxes_b must have the same length, got {len(a)} and {len(b)}"
        )
    return box_iou_pairs_unchecked(a, b)


def box_iou_pairs_unchecked(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`box_iou_pairs` for already validated float64 (N, 4) arrays (hot path)."""
    return iou_of_columns(a[:, 0], a[:, 1], a[:, 2], a[:, 3], b[:, 0], b[:, 1], b[:, 2], b[:, 3])


def box_area(boxes: ArrayLike) -> np.ndarray:
    """Area ``w * h`` of each xywh box, (N, 4) -> (N,)."""
    array = as_box_array(boxes)
    return array[:, 2] * array[:, 3]
