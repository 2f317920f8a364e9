"""Class confusion between gold and annotations, from class-agnostic matching.

Objects are matched regardless of class, so a box drawn over a gold "car" with class "truck"
is a (car, truck) cell rather than an FP plus an FN.  Row ``unmatched`` counts annotations with
no gold partner (false positives), column ``unmatched`` gold objects nobody matched (misses).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from labelqc.geometry import IouThreshold
from labelqc.quality.comparison import GoldComparison, compare_to_gold
from labelqc.quality.dimensions import attach_dimensions, check_by, group_codes, normalize_by

UNMATCHED = "unmatched"


def confusion_counts(
    comparison: GoldComparison,
    by: str | Sequence[str] | None = None,
    *,
    window: str | None = None,
) -> pd.DataFrame:
    """Long-form confusion counts: ``by`` keys, ``gold_class_id``, ``ann_class_id``, ``count``.

    ``gold_class_id`` is ``<NA>`` for an annotation with no gold partner and ``ann_class_id``
    ``<NA>`` for a missed gold object (both nullable Int64).  Counts from disjoint item shards
    add up.  Needs a class-agnostic comparison (``compare_to_gold(..., class_aware=False)``).
    """
    if comparison.class_aware:
        raise ValueError(
            "comparison: class confusion needs class-agnostic matching (class_aware=False)"
        )
    keys = normalize_by(by)
    check_by(comparison, keys, allowed_row=("annotator_id", "item_id"))
    match = comparison.match
    pairs, extra, missed = match.pairs, match.unmatched_ann, match.unmatched_gold
    n_pairs, n_extra, n_missed = len(pairs), len(extra), len(missed)
    columns = ("group", "item_id", "annotator_id")
    frame = pd.DataFrame(
        {
            column: np.concatenate(
                [pairs[column].to_numpy(), extra[column].to_numpy(), missed[column].to_numpy()]
            ).astype(np.int64)
            for column in columns
        }
    )
    gold_class = np.concatenate(
        [pairs["gold_class_id"].to_numpy(), np.zeros(n_extra), missed["class_id"].to_numpy()]
    )
    ann_class = np.concatenate(
        [pairs["ann_class_id"].to_numpy(), extra["class_id"].to_numpy(), np.zeros(n_missed)]
    )
    no_gold = np.r_[np.zeros(n_pairs, bool), np.ones(n_extra, bool), np.zeros(n_missed, bool)]
    no_ann = np.r_[np.zeros(n_pairs + n_extra, bool), np.ones(n_missed, bool)]
    frame["gold_class_id"] = pd.arrays.IntegerArray(gold_class.astype(np.int64), no_gold)
    frame["ann_class_id"] = pd.arrays.IntegerArray(ann_class.astype(np.int64), no_ann)
    frame = attach_dimensions(frame, comparison, keys, window)
    cell_keys = (*keys, "gold_class_id", "ann_class_id")
    codes, key_table = group_codes(frame, cell_keys)
    if len(frame) == 0:
        key_table = frame.loc[:, list(cell_keys)].iloc[0:0].reset_index(drop=True)
    return key_table.assign(count=np.bincount(codes, minlength=len(key_table)).astype(np.int64))


def confusion_matrix_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Pivot long-form counts (summed over any other key) into a square matrix.

    Index: gold class ids then ``"unmatched"``; columns: annotated class ids then
    ``"unmatched"``; both cover every class seen on either side; cells are int64 counts.
    """
    for column in ("gold_class_id", "ann_class_id", "count"):
        if column not in counts.columns:
            raise ValueError(f"counts: missing required column {column!r}")
    gold = counts["gold_class_id"].astype("Int64")
    ann = counts["ann_class_id"].astype("Int64")
    classes = sorted({int(v) for v in gold.dropna()} | {int(v) for v in ann.dropna()})
    labels: list[int | str] = [*classes, UNMATCHED]
    position = {label: index for index, label in enumerate(labels)}
    rows = np.array([position[UNMATCHED] if v is pd.NA else position[int(v)] for v in gold])
    cols = np.array([position[UNMATCHED] if v is pd.NA else position[int(v)] for v in ann])
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    if rows.size:
        np.add.at(matrix, (rows, cols), counts["count"].to_numpy(dtype=np.int64))
    index = pd.Index(labels, dtype=object, name="gold_class_id")
    return pd.DataFrame(
        matrix, index=index, columns=pd.Index(labels, dtype=object, name="ann_class_id")
    )


def class_confusion_matrix(
    gold: pd.DataFrame,
    annotations: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    *,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Confusion matrix over all annotators: class-agnostic matching, then
    :func:`confusion_matrix_from_counts` (rows gold class, columns drawn class, plus
    ``"unmatched"``).  The threshold of a pair is the gold object's class threshold.
    """
    comparison = compare_to_gold(
        gold,
        annotations,
        iou_threshold,
        class_aware=False,
        assignments=assignments,
        gold_items=gold_items,
    )
    return confusion_matrix_from_counts(confusion_counts(comparison))
