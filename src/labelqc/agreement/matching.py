"""Grouping the shapes several annotators drew on an item into objects.

Matching is class-agnostic (so a label disagreement on the same object stays visible) and
sequential over annotators in ascending ``annotator_id``: the first annotator's boxes seed
the objects; each next annotator's boxes are assigned one-to-one to existing objects with
``scipy.optimize.linear_sum_assignment`` under labelqc's matching objective (most pairs
first, then the largest total score; see ``labelqc.geometry.assignment``). The score of a
box and an object is the mean box IoU between the box and the object's current members; a
pair is admissible when that score is at least the larger of the thresholds of the box's
class and of the object's first box's class. Unassigned boxes start new objects, so each
object holds at most one shape per annotator. The result depends on the annotator order
only through ties and near-threshold cases; ascending ids keep it deterministic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.agreement._messages import shown
from labelqc.geometry import IouThreshold, box_iou_pairs, thresholds_for_classes
from labelqc.geometry.assignment import assign_candidates

BOX_COLUMNS = ("x", "y", "w", "h")
REQUIRED_COLUMNS = ("item_id", "annotator_id", "class_id", *BOX_COLUMNS)


def validate_annotations(annotations: pd.DataFrame, name: str = "annotations") -> None:
    """Check the canonical columns and finite, non-negative boxes; ValueError names the row."""
    if not isinstance(annotations, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame")
    missing = [column for column in REQUIRED_COLUMNS if column not in annotations.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")
    for column in ("item_id", "annotator_id", "class_id"):
        if annotations[column].isna().any():
            row = annotations.index[annotations[column].isna().to_numpy()][0]
            raise ValueError(f"{name} row {shown(row)} has no {column}")
    boxes = annotations[list(BOX_COLUMNS)].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(boxes).all(axis=1) | (boxes[:, 2] < 0) | (boxes[:, 3] < 0)
    if bad.any():
        row = annotations.index[int(np.flatnonzero(bad)[0])]
        raise ValueError(f"{name} row {shown(row)} has a non-finite box or negative w/h")


def _within_item_iou(
    boxes: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """IoU matrices of all given items in one vectorised pass, flattened back to back.

    Returns (flat IoUs, offset of each item's n x n block).
    """
    sizes = ends - starts
    block = sizes**2
    offsets = np.cumsum(block) - block
    # Each shape of an item is a row repeated once per shape of that item (its columns).
    shape = np.repeat(starts, sizes) + (
        np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    width = np.repeat(sizes, sizes)
    row = np.repeat(shape, width)
    first_col = np.repeat(np.repeat(starts, sizes), width)
    col = first_col + (np.arange(row.size) - np.repeat(np.cumsum(width) - width, width))
    return box_iou_pairs(boxes[row], boxes[col]), offsets


def _match_item(iou: np.ndarray, annotators: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Local object index per shape of one item (rows sorted by annotator)."""
    n_shapes = iou.shape[0]
    bounds = np.flatnonzero(annotators[1:] != annotators[:-1]) + 1
    starts = [0, *bounds.tolist()]
    ends = [*bounds.tolist(), n_shapes]
    object_of = np.empty(n_shapes, dtype=np.int64)
    # Objects can never outnumber shapes, so the buffers are allocated once.
    membership = np.zeros((n_shapes, n_shapes))
    members = np.zeros(n_shapes)
    seed_threshold = np.zeros(n_shapes)
    n_objects = ends[0]
    object_of[:n_objects] = np.arange(n_objects)
    membership[np.arange(n_objects), np.arange(n_objects)] = 1.0
    members[:n_objects] = 1.0
    seed_threshold[:n_objects] = thresholds[:n_objects]
    for start, end in zip(starts[1:], ends[1:], strict=True):
        score = iou[start:end] @ membership[:n_objects].T / members[:n_objects]
        required = np.maximum(thresholds[start:end, None], seed_threshold[None, :n_objects])
        rows, cols = np.nonzero((score >= required) & (score > 0))
        chosen = assign_candidates(rows, cols, score[rows, cols], end - start, n_objects)
        assigned = np.full(end - start, -1, dtype=np.int64)
        assigned[rows[chosen]] = cols[chosen]
        fresh = assigned < 0
        n_fresh = int(fresh.sum())
        assigned[fresh] = n_objects + np.arange(n_fresh)
        seed_threshold[n_objects : n_objects + n_fresh] = thresholds[start:end][fresh]
        n_objects += n_fresh
        object_of[start:end] = assigned
        membership[assigned, np.arange(start, end)] = 1.0
        members[assigned] += 1.0
    return object_of


def match_objects(annotations: pd.DataFrame, iou_threshold: IouThreshold = 0.5) -> pd.DataFrame:
    """Assign every shape an ``object_id`` shared by the shapes of the same object.

    Args:
        annotations: canonical annotations frame (item_id, annotator_id, class_id, x, y, w, h;
            extra columns are kept).
        iou_threshold: minimum box IoU for a match, a float or {class_id: threshold}.

    Returns a copy of ``annotations`` (same index and row order) with an int ``object_id``,
    unique across the whole frame. See the module docstring for the matching rule.
    """
    validate_annotations(annotations)
    frame = annotations.reset_index(drop=True)
    thresholds = thresholds_for_classes(iou_threshold, frame["class_id"].to_numpy())
    order = np.lexsort(
        (np.arange(len(frame)), frame["annotator_id"].to_numpy(), frame["item_id"].to_numpy())
    )
    items = frame["item_id"].to_numpy()[order]
    annotators = frame["annotator_id"].to_numpy()[order]
    boxes = frame[list(BOX_COLUMNS)].to_numpy(dtype=np.float64)[order]
    sorted_thresholds = thresholds[order]
    starts = (
        np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
        if len(items)
        else np.empty(0, dtype=np.int64)
    )
    ends = np.r_[starts[1:], len(items)].astype(np.int64)
    new_annotator = np.r_[True, (annotators[1:] != annotators[:-1]) | (items[1:] != items[:-1])]
    annotators_per_item = (
        np.add.reduceat(new_annotator.astype(np.int64), starts)
        if len(items)
        else np.empty(0, dtype=np.int64)
    )
    # Items with one annotator: every shape is its own object (no loop needed).
    local = np.arange(len(items)) - np.repeat(starts, ends - starts)
    shared = annotators_per_item > 1
    iou, offsets = _within_item_iou(boxes, starts[shared], ends[shared])
    for start, end, offset in zip(
        starts[shared].tolist(), ends[shared].tolist(), offsets.tolist(), strict=True
    ):
        size = end - start
        local[start:end] = _match_item(
            iou[offset : offset + size * size].reshape(size, size),
            annotators[start:end],
            sorted_thresholds[start:end],
        )
    per_item_objects = np.maximum.reduceat(local, starts) + 1 if len(items) else local
    offsets = np.repeat(np.cumsum(per_item_objects) - per_item_objects, ends - starts)
    object_id = np.empty(len(frame), dtype=np.int64)
    object_id[order] = offsets + local
    result = annotations.copy()
    result["object_id"] = object_id
    return result
