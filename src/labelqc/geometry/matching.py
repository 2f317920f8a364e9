"""Frame-level one-to-one matching of annotations against gold (or a reference annotator).

Each (item, annotator) pair that has gold is a *group*: the annotator's objects on that item are
matched one-to-one against all gold objects of the item (see :mod:`labelqc.geometry.assignment`
for the objective, and how it differs from COCOeval's greedy matching).  Class-aware matching
pairs only equal classes; class-agnostic matching pairs any classes and is how class confusion is
found.  A pair is eligible when ``iou >= threshold`` of the gold object's class.

Gold rows' ``annotator_id`` is ignored.  Annotations on items without gold are not graded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.geometry.assignment import IouThreshold, thresholds_for_classes
from labelqc.geometry.boxes import box_iou_pairs_unchecked, iou_of_columns
from labelqc.geometry.candidates import PairIou, eligible_candidates, resolve_candidates
from labelqc.geometry.codes import dense_codes, sorted_unique
from labelqc.geometry.frames import (
    FrameValidationError,
    integer_column,
    require_columns,
    row_label,
    validate_object_frame,
)
from labelqc.geometry.masks import normalize_rle, rle_to_bbox

DEFAULT_MAX_PAIRS_PER_CHUNK = 1 << 21


@dataclass(frozen=True)
class MatchResult:
    """Outcome of matching annotations against gold.

    ``groups``: one row per graded (item, annotator) group, its position is the group code used by
    the other frames; columns ``item_id, annotator_id, n_gold, n_ann``.
    ``pairs``: matched pairs; columns ``group, gold_row, ann_row`` (positions in the input frames),
    ``gold_index, ann_index`` (index labels), ``item_id, annotator_id, gold_class_id,
    ann_class_id, iou``.
    ``unmatched_gold``: gold objects each group missed (false negatives); columns ``group,
    gold_row, gold_index, item_id, annotator_id, class_id``.
    ``unmatched_ann``: graded annotations without a gold partner (false positives); columns
    ``group, ann_row, ann_index, item_id, annotator_id, class_id``.
    ``n_ambiguous_groups``: groups solved by ``linear_sum_assignment`` (the rest were trivial).
    ``n_ungraded_ann``: annotations on items with no gold, left out of the matching.
    """

    groups: pd.DataFrame
    pairs: pd.DataFrame
    unmatched_gold: pd.DataFrame
    unmatched_ann: pd.DataFrame
    n_ambiguous_groups: int
    n_ungraded_ann: int


def _assignment_arrays(
    assignments: pd.DataFrame | None,
) -> tuple[np.ndarray, np.ndarray]:
    if assignments is None:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    require_columns(assignments, ("item_id", "annotator_id"), "assignments")
    return (
        integer_column(assignments, "item_id", "assignments"),
        integer_column(assignments, "annotator_id", "assignments"),
    )


def _gold_item_universe(gold_items: np.ndarray, extra: Iterable[int] | None) -> np.ndarray:
    if extra is None:
        return sorted_unique(gold_items)
    extra_array = np.asarray(extra if isinstance(extra, np.ndarray) else list(extra))
    if extra_array.size and extra_array.dtype.kind not in "iu":
        raise FrameValidationError("gold_items: expected integer item ids")
    return sorted_unique(np.concatenate([gold_items, extra_array.astype(np.int64)]))


PairIouFactory = Callable[[np.ndarray, np.ndarray], PairIou]


def match_frames(
    gold_df: pd.DataFrame,
    ann_df: pd.DataFrame,
    pair_iou_factory: PairIouFactory,
    iou_threshold: IouThreshold,
    *,
    class_aware: bool,
    assignments: pd.DataFrame | None,
    gold_items: Iterable[int] | None,
    max_pairs_per_chunk: int,
) -> MatchResult:
    """Shared engine of :func:`match_boxes` and :func:`match_masks`.

    ``pair_iou_factory(gold_boxes, ann_boxes)`` returns the function giving the IoU of row-aligned
    (gold position, annotation position) arrays.
    """
    gold_item_ids, gold_classes, gold_boxes, _ = validate_object_frame(
        gold_df, "gold", need_annotator=False
    )
    ann_item_ids, ann_classes, ann_boxes, annotator_column = validate_object_frame(
        ann_df, "annotations", need_annotator=True
    )
    ann_annotators = np.asarray(annotator_column, dtype=np.int64)
    pair_iou = pair_iou_factory(gold_boxes, ann_boxes)
    assigned_items, assigned_annotators = _assignment_arrays(assignments)
    gold_thresholds = thresholds_for_classes(iou_threshold, gold_classes)

    items = _gold_item_universe(gold_item_ids, gold_items)
    gold_item_code = dense_codes(gold_item_ids, items)
    ann_item_code = dense_codes(ann_item_ids, items)
    ann_graded = ann_item_code >= 0
    assigned_item_code = dense_codes(assigned_items, items)
    assigned_graded = assigned_item_code >= 0
    annotators = sorted_unique(
        np.concatenate([ann_annotators[ann_graded], assigned_annotators[assigned_graded]])
    )
    n_annotators = max(int(annotators.size), 1)
    ann_annotator_code = np.maximum(dense_codes(ann_annotators, annotators), 0)

    # Groups are the (item, annotator) pairs seen in graded annotations or in the assignments.
    ann_group_key = ann_item_code * n_annotators + ann_annotator_code
    assigned_key = assigned_item_code[assigned_graded] * n_annotators + dense_codes(
        assigned_annotators[assigned_graded], annotators
    )
    group_keys = sorted_unique(np.concatenate([ann_group_key[ann_graded], assigned_key]))
    ann_groups = np.where(ann_graded, dense_codes(ann_group_key, group_keys), -1)
    group_item_code = group_keys // n_annotators

    if class_aware:
        classes = sorted_unique(np.concatenate([gold_classes, ann_classes[ann_graded]]))
        n_classes = max(int(classes.size), 1)
        gold_blocks = gold_item_code * n_classes + dense_codes(gold_classes, classes)
        ann_blocks = np.where(
            ann_graded, ann_item_code * n_classes + dense_codes(ann_classes, classes), -1
        )
    else:
        gold_blocks, ann_blocks = gold_item_code, ann_item_code

    cand_gold, cand_ann, cand_iou = eligible_candidates(
        gold_blocks, ann_blocks, gold_thresholds, pair_iou, max_pairs_per_chunk
    )
    chosen, n_ambiguous = resolve_candidates(
        cand_gold,
        cand_ann,
        cand_iou,
        np.maximum(ann_groups, 0),
        ann_annotator_code,
        n_annotators,
    )
    pair_gold, pair_ann, pair_iou_values = cand_gold[chosen], cand_ann[chosen], cand_iou[chosen]
    pair_group = ann_groups[pair_ann]

    # Expand each group to all gold objects of its item, then drop the matched ones.
    gold_order = np.argsort(gold_item_code, kind="stable")
    gold_count = np.bincount(gold_item_code, minlength=items.size)
    gold_start = np.cumsum(gold_count) - gold_count
    rank_in_item = np.empty(gold_order.size, dtype=np.int64)
    rank_in_item[gold_order] = np.arange(gold_order.size) - gold_start[gold_item_code[gold_order]]
    group_n_gold = gold_count[group_item_code]
    group_offset = np.cumsum(group_n_gold) - group_n_gold
    expanded_group = np.repeat(np.arange(group_keys.size), group_n_gold)
    expanded_gold = gold_order[
        np.repeat(gold_start[group_item_code], group_n_gold)
        + np.arange(expanded_group.size)
        - np.repeat(group_offset, group_n_gold)
    ]
    matched_expanded = np.zeros(expanded_group.size, dtype=bool)
    matched_expanded[group_offset[pair_group] + rank_in_item[pair_gold]] = True
    missed_group = expanded_group[~matched_expanded]
    missed_gold = expanded_gold[~matched_expanded]

    ann_matched = np.zeros(ann_item_ids.size, dtype=bool)
    ann_matched[pair_ann] = True
    extra_ann = np.flatnonzero(ann_graded & ~ann_matched)

    group_annotator = annotators[group_keys % n_annotators]
    # The frames below take ownership of freshly built arrays: copy=False skips pandas'
    # consolidation copy (hundreds of MB at millions of rows).
    groups = pd.DataFrame(
        {
            "item_id": items[group_item_code],
            "annotator_id": group_annotator,
            "n_gold": group_n_gold,
            "n_ann": np.bincount(ann_groups[ann_graded], minlength=group_keys.size),
        },
        copy=False,
    )
    gold_labels = gold_df.index.to_numpy()
    ann_labels = ann_df.index.to_numpy()
    pairs = pd.DataFrame(
        {
            "group": pair_group,
            "gold_row": pair_gold,
            "ann_row": pair_ann,
            "gold_index": gold_labels[pair_gold],
            "ann_index": ann_labels[pair_ann],
            "item_id": ann_item_ids[pair_ann],
            "annotator_id": ann_annotators[pair_ann],
            "gold_class_id": gold_classes[pair_gold],
            "ann_class_id": ann_classes[pair_ann],
            "iou": pair_iou_values,
        },
        copy=False,
    )
    unmatched_gold = pd.DataFrame(
        {
            "group": missed_group,
            "gold_row": missed_gold,
            "gold_index": gold_labels[missed_gold],
            "item_id": gold_item_ids[missed_gold],
            "annotator_id": group_annotator[missed_group],
            "class_id": gold_classes[missed_gold],
        },
        copy=False,
    )
    unmatched_ann = pd.DataFrame(
        {
            "group": ann_groups[extra_ann],
            "ann_row": extra_ann,
            "ann_index": ann_labels[extra_ann],
            "item_id": ann_item_ids[extra_ann],
            "annotator_id": ann_annotators[extra_ann],
            "class_id": ann_classes[extra_ann],
        },
        copy=False,
    )
    return MatchResult(
        groups=groups,
        pairs=pairs,
        unmatched_gold=unmatched_gold,
        unmatched_ann=unmatched_ann,
        n_ambiguous_groups=n_ambiguous,
        n_ungraded_ann=int((~ann_graded).sum()),
    )


def match_boxes(
    gold_df: pd.DataFrame,
    ann_df: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    class_aware: bool = True,
    *,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
    max_pairs_per_chunk: int = DEFAULT_MAX_PAIRS_PER_CHUNK,
) -> MatchResult:
    """Match annotated boxes to gold boxes one-to-one per (item, annotator) group.

    Inputs are canonical frames (``item_id, class_id, x, y, w, h``; annotations also
    ``annotator_id``) with unique index labels.  ``iou_threshold`` is a float or
    ``{class_id: threshold}`` keyed by the gold object's class.  ``assignments`` (``item_id,
    annotator_id``) adds groups with no annotation at all (empty submissions: every gold object is
    a miss); ``gold_items`` adds gold items that hold no gold object (every annotation there is a
    false positive).  Returns a :class:`MatchResult`.
    """

    def box_pair_iou(gold_boxes: np.ndarray, ann_boxes: np.ndarray) -> PairIou:
        # Contiguous 1-D columns gather much faster than rows of an (N, 4) array.
        gold_columns = [np.ascontiguousarray(gold_boxes[:, k]) for k in range(4)]
        ann_columns = [np.ascontiguousarray(ann_boxes[:, k]) for k in range(4)]

        def pair_iou(gold_rows: np.ndarray, ann_rows: np.ndarray) -> np.ndarray:
            return iou_of_columns(
                *(column[gold_rows] for column in gold_columns),
                *(column[ann_rows] for column in ann_columns),
            )

        return pair_iou

    return match_frames(
        gold_df,
        ann_df,
        box_pair_iou,
        iou_threshold,
        class_aware=class_aware,
        assignments=assignments,
        gold_items=gold_items,
        max_pairs_per_chunk=max_pairs_per_chunk,
    )


def _normalized_rles(frame: pd.DataFrame, frame_name: str) -> list[dict[str, Any]]:
    require_columns(frame, ("rle",), frame_name)
    rles: list[dict[str, Any]] = []
    for label, rle in zip(frame.index, frame["rle"], strict=True):
        if not isinstance(rle, Mapping):
            raise FrameValidationError(
                f"{frame_name}.rle: row {row_label(label)!r} has no RLE mask"
            )
        rles.append(normalize_rle(rle, f"{frame_name}.rle[{row_label(label)!r}]"))
    return rles


def _mask_pair_iou(gold_rles: Sequence[dict], ann_rles: Sequence[dict]) -> PairIou:
    from pycocotools import mask as coco_mask

    gold_coco = [{"size": r["size"], "counts": r["counts"].encode("ascii")} for r in gold_rles]
    ann_coco = [{"size": r["size"], "counts": r["counts"].encode("ascii")} for r in ann_rles]
    gold_bbox = rle_to_bbox(gold_rles) if gold_rles else np.zeros((0, 4))
    ann_bbox = rle_to_bbox(ann_rles) if ann_rles else np.zeros((0, 4))

    def pair_iou(gold_rows: np.ndarray, ann_rows: np.ndarray) -> np.ndarray:
        iou = np.zeros(gold_rows.size, dtype=np.float64)
        # Masks whose tight boxes do not overlap cannot overlap: skip pycocotools for them.
        touching = np.flatnonzero(
            box_iou_pairs_unchecked(gold_bbox[gold_rows], ann_bbox[ann_rows]) > 0
        )
        for position in touching.tolist():
            gold_rle, ann_rle = gold_coco[gold_rows[position]], ann_coco[ann_rows[position]]
            if gold_rle["size"] != ann_rle["size"]:
                raise ValueError(
                    f"mask sizes differ on one item: gold {gold_rle['size']} vs "
                    f"annotation {ann_rle['size']}"
                )
            iou[position] = float(coco_mask.iou([gold_rle], [ann_rle], [0])[0][0])
        return iou

    return pair_iou


def match_masks(
    gold_df: pd.DataFrame,
    ann_df: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    class_aware: bool = True,
    *,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
    max_pairs_per_chunk: int = DEFAULT_MAX_PAIRS_PER_CHUNK,
) -> MatchResult:
    """:func:`match_boxes` on masks: IoU from the ``rle`` column via ``pycocotools.mask.iou``.

    Both frames need an ``rle`` on every row (compressed or uncompressed COCO RLE) besides the
    canonical columns; the ``x, y, w, h`` box is validated but the mask decides the IoU.  Mask IoU
    is computed only for pairs whose tight mask boxes overlap (one pycocotools call per pair).
    """
    mask_pair_iou = _mask_pair_iou(
        _normalized_rles(gold_df, "gold"), _normalized_rles(ann_df, "annotations")
    )
    return match_frames(
        gold_df,
        ann_df,
        lambda _gold_boxes, _ann_boxes: mask_pair_iou,
        iou_threshold,
        class_aware=class_aware,
        assignments=assignments,
        gold_items=gold_items,
        max_pairs_per_chunk=max_pairs_per_chunk,
    )
