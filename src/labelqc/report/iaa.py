"""Inter-annotator agreement statistics: label agreement over matched objects.

Units: on each item, every pair of annotators' boxes is matched one-to-one, class-agnostically,
at ``iaa_iou_threshold`` (:func:`labelqc.geometry.match_boxes`); a unit is a connected
component of those matches (an object several annotators drew), and its values are the class ids
they gave it. Objects only one annotator drew are not pairable and do not enter alpha. (A chain
of matches can, rarely, put two boxes of one annotator in a unit; both then count as values.)

The shard statistic is, per unit size ``m``, the integer matrix
``S_m[c, k] = sum over units of size m of (n_uc n_uk - [c = k] n_uc)``; Krippendorff's
coincidence matrix is ``o = sum_m S_m / (m - 1)`` (see :mod:`labelqc.agreement.alpha`), so
integer tables merge exactly and the division happens once, in finalize.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from labelqc.geometry import match_boxes
from labelqc.report.stats import empty_table


def _submission_codes(
    item_ids: np.ndarray, annotator_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row: its submission code (sorted by item, then annotator) and per submission its rank
    among the item's submissions."""
    # factorize(sort=True) hashes the rows and sorts only the distinct values.
    item_code, _ = pd.factorize(item_ids, sort=True)
    annotator_code, annotators = pd.factorize(annotator_ids, sort=True)
    key = item_code.astype(np.int64) * annotators.size + annotator_code
    row_submission, submission_keys = pd.factorize(key, sort=True)
    submission_item = submission_keys // annotators.size
    new_item = np.r_[True, submission_item[1:] != submission_item[:-1]]
    item_first = np.maximum.accumulate(np.where(new_item, np.arange(submission_keys.size), 0))
    rank = np.arange(submission_keys.size) - item_first
    return row_submission.astype(np.int64), rank.astype(np.int64)


def unit_labels(annotations: pd.DataFrame, iou_threshold: float) -> np.ndarray:
    """Unit id of each annotation row (positions), -1 for rows that matched no other annotator.

    Returns an int64 array aligned with the rows of ``annotations``.
    """
    n_rows = len(annotations)
    if n_rows == 0:
        return np.zeros(0, dtype=np.int64)
    item_ids = annotations["item_id"].to_numpy(dtype=np.int64)
    annotator_ids = annotations["annotator_id"].to_numpy(dtype=np.int64)
    row_submission, submission_rank = _submission_codes(item_ids, annotator_ids)
    # Each row is compared with the boxes of every earlier submission on its item: it is copied
    # once per earlier submission, that submission's code standing in for the item id.
    copies = submission_rank[row_submission]
    copied_row = np.repeat(np.arange(n_rows), copies)
    offset = np.arange(copied_row.size) - np.repeat(np.cumsum(copies) - copies, copies)
    anchor_submission = row_submission[copied_row] - copies[copied_row] + offset
    boxes = annotations[["x", "y", "w", "h"]].to_numpy(dtype=np.float64)
    classes = annotations["class_id"].to_numpy(dtype=np.int64)
    anchors = pd.DataFrame(
        {
            "item_id": row_submission,
            "class_id": classes,
            "x": boxes[:, 0],
            "y": boxes[:, 1],
            "w": boxes[:, 2],
            "h": boxes[:, 3],
        }
    )
    others = pd.DataFrame(
        {
            "item_id": anchor_submission,
            "annotator_id": row_submission[copied_row],
            "class_id": classes[copied_row],
            "x": boxes[copied_row, 0],
            "y": boxes[copied_row, 1],
            "w": boxes[copied_row, 2],
            "h": boxes[copied_row, 3],
        }
    )
    match = match_boxes(anchors, others, float(iou_threshold), class_aware=False)
    first = match.pairs["gold_row"].to_numpy(dtype=np.int64)
    second = copied_row[match.pairs["ann_row"].to_numpy(dtype=np.int64)]
    graph = sp.coo_matrix(
        (np.ones(first.size, dtype=np.int8), (first, second)), shape=(n_rows, n_rows)
    )
    _, component = connected_components(graph, directed=False)
    size = np.bincount(component)
    return np.where(size[component] >= 2, component, -1).astype(np.int64)


def coincidence_tables(
    annotations: pd.DataFrame, iou_threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Integer coincidence counts per unit size, and the number of pairable units per size.

    Returns (``coincidence``: ``m, first, second, count`` with class ids as values;
    ``iaa_units``: ``m, units``), both in the raw (not yet canonical) form.
    """
    units = unit_labels(annotations, iou_threshold)
    pairable = units >= 0
    if not pairable.any():
        return empty_table("coincidence", ["count"]), empty_table("iaa_units", ["units"])
    unit_ids, unit_code = np.unique(units[pairable], return_inverse=True)
    classes, class_code = np.unique(
        annotations["class_id"].to_numpy(dtype=np.int64)[pairable], return_inverse=True
    )
    unit_size = np.bincount(unit_code, minlength=unit_ids.size)
    counts = sp.csr_matrix(
        (np.ones(unit_code.size, dtype=np.int64), (unit_code, class_code)),
        shape=(unit_ids.size, classes.size),
    )
    coincidence_parts: list[pd.DataFrame] = []
    sizes, units_per_size = np.unique(unit_size, return_counts=True)
    for m in sizes.tolist():
        of_size = counts[unit_size == m]
        # sum_u n_u n_u^T minus the diagonal of self-pairs: ordered pairs of distinct values.
        pair_counts = (of_size.T @ of_size).toarray() - np.diag(
            np.asarray(of_size.sum(axis=0)).ravel()
        )
        first, second = np.nonzero(pair_counts)
        coincidence_parts.append(
            pd.DataFrame(
                {
                    "m": m,
                    "first": classes[first],
                    "second": classes[second],
                    "count": pair_counts[first, second].astype(np.int64),
                }
            )
        )
    return (
        pd.concat(coincidence_parts, ignore_index=True),
        pd.DataFrame({"m": sizes.astype(np.int64), "units": units_per_size.astype(np.int64)}),
    )
