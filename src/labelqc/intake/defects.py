"""Defect classification of a sampled delivery against reviewer (reference) labels.

Objects are paired one-to-one per item in three passes (each pass uses
:func:`labelqc.geometry.match_boxes`: the most pairs, then the largest total IoU), each pass on
the objects the earlier passes left unpaired; ``t(c)`` is the IoU threshold of the reference
object's class ``c``:

1. same class, ``IoU >= t(c)``: a correct object, unless an attribute (``occluded``,
   ``truncated``) differs: **wrong_attribute**;
2. any classes, ``IoU >= t(c)``: the classes differ (pass 1 took every same-class pair it
   could): **wrong_class**;
3. same class, ``low_iou <= IoU < t(c)`` (``low_iou`` 0.1): **poor_localisation**.

A reference object still unpaired is a **missing_object**; a delivered object still unpaired is
an **extra_object** (so a wrong class with a poor box counts as one missing plus one extra).
An item is defective when it has at least one defect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.geometry import IouThreshold, match_boxes, thresholds_for_classes
from labelqc.geometry.frames import validate_object_frame
from labelqc.intake.errors import IntakeInputError

DEFECT_TYPES: tuple[str, ...] = (
    "missing_object",
    "extra_object",
    "wrong_class",
    "poor_localisation",
    "wrong_attribute",
)
DEFAULT_ATTRIBUTES: tuple[str, ...] = ("occluded", "truncated")
_BOX = ("x", "y", "w", "h")


@dataclass(frozen=True)
class DefectReport:
    """Defects of a sampled delivery.

    ``defects``: one row per defect: ``item_id, defect_type, reference_index, delivered_index``
    (index labels of the input frames, None where the side has no object),
    ``reference_class_id, delivered_class_id, iou`` (nullable) and ``attributes`` (the
    differing attribute names joined by ``,`` for wrong_attribute, else None).
    ``items``: one row per sampled item: ``item_id, n_reference, n_delivered``, ``n_<type>``
    for each defect type, ``n_defects``, ``defective``.
    ``summary``: one row per defect type: ``defect_type, n_defects, n_items_affected,
    item_rate`` (share of sampled items with that defect; NA with no items).
    ``compared_attributes``: attributes present in both frames, hence compared.
    ``defective_rate`` is None when no item was sampled.
    """

    defects: pd.DataFrame
    items: pd.DataFrame
    summary: pd.DataFrame
    n_items: int
    n_defective_items: int
    defective_rate: float | None
    compared_attributes: tuple[str, ...]


def _item_universe(
    items: Iterable[int] | None, reference_items: np.ndarray, delivered_items: np.ndarray
) -> np.ndarray:
    if items is None:
        return np.unique(np.concatenate([reference_items, delivered_items]))
    universe = np.asarray(list(items) if not isinstance(items, np.ndarray) else items)
    if universe.size and universe.dtype.kind not in "iu":
        raise IntakeInputError("items: expected integer item ids")
    universe = universe.astype(np.int64)
    unique, counts = np.unique(universe, return_counts=True)
    if (counts > 1).any():
        raise IntakeInputError(f"items: item_id {int(unique[counts > 1][0])} is listed twice")
    return unique


def _pairs(
    reference: pd.DataFrame,
    delivered: pd.DataFrame,
    reference_rows: np.ndarray,
    delivered_rows: np.ndarray,
    threshold: IouThreshold,
    class_aware: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match the given rows; return (reference row, delivered row, iou) in frame positions."""
    if reference_rows.size == 0 or delivered_rows.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float64)
    result = match_boxes(
        reference.iloc[reference_rows],
        delivered.iloc[delivered_rows],
        threshold,
        class_aware=class_aware,
    )
    return (
        reference_rows[result.pairs["gold_row"].to_numpy(dtype=np.int64)],
        delivered_rows[result.pairs["ann_row"].to_numpy(dtype=np.int64)],
        result.pairs["iou"].to_numpy(dtype=np.float64),
    )


def _boolean_column(frame: pd.DataFrame, column: str, frame_name: str) -> np.ndarray:
    try:
        return frame[column].astype("boolean").to_numpy(dtype=object, na_value=None)
    except (TypeError, ValueError):
        raise IntakeInputError(
            f"{frame_name}.{column}: expected booleans (or missing), got {frame[column].dtype}"
        ) from None


def _attribute_differences(
    reference: pd.DataFrame,
    delivered: pd.DataFrame,
    reference_rows: np.ndarray,
    delivered_rows: np.ndarray,
    attributes: Sequence[str],
) -> np.ndarray:
    """Per pair, the differing attribute names joined by ',' ('' when none differ)."""
    labels = np.full(reference_rows.size, "", dtype=object)
    for attribute in attributes:
        left = _boolean_column(reference, attribute, "reference")[reference_rows]
        right = _boolean_column(delivered, attribute, "delivered")[delivered_rows]
        known = ~(pd.isna(left) | pd.isna(right))
        differs = np.zeros(reference_rows.size, dtype=bool)
        differs[known] = left[known].astype(bool) != right[known].astype(bool)
        labels[differs] = np.where(
            labels[differs] == "", attribute, labels[differs] + "," + attribute
        )
    return labels


def _defect_rows(
    defect_type: str,
    item_ids: np.ndarray,
    reference_labels: np.ndarray | None,
    delivered_labels: np.ndarray | None,
    reference_classes: np.ndarray | None,
    delivered_classes: np.ndarray | None,
    iou: np.ndarray | None,
    attributes: np.ndarray | None = None,
) -> pd.DataFrame:
    size = item_ids.size

    def column(values: np.ndarray | None, dtype: str | None) -> pd.Series | pd.array:
        if values is None:
            return (
                pd.array([None] * size, dtype=dtype)
                if dtype
                else pd.Series([None] * size, dtype=object)
            )
        return pd.array(values, dtype=dtype) if dtype else pd.Series(list(values), dtype=object)

    return pd.DataFrame(
        {
            "item_id": item_ids.astype(np.int64),
            "defect_type": np.full(size, defect_type, dtype=object),
            "reference_index": column(reference_labels, None),
            "delivered_index": column(delivered_labels, None),
            "reference_class_id": column(reference_classes, "Int64"),
            "delivered_class_id": column(delivered_classes, "Int64"),
            "iou": column(iou, "Float64"),
            "attributes": column(attributes, None),
        }
    )


def classify_defects(
    delivered: pd.DataFrame,
    reference: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    *,
    items: Iterable[int] | None = None,
    low_iou: float = 0.1,
    attributes: Sequence[str] = DEFAULT_ATTRIBUTES,
) -> DefectReport:
    """Classify the defects of delivered labels against reference labels on sampled items.

    ``delivered`` / ``reference``: canonical frames (``item_id, class_id, x, y, w, h``, optional
    ``occluded``, ``truncated``; ``annotator_id`` is ignored: a delivery is judged as one
    labeler) with unique index labels.  ``iou_threshold``: float or ``{class_id: threshold}``
    keyed by the reference class.  ``items``: the sampled item ids (objects on other items are
    ignored; a sampled item with no object on either side is a clean item); default: every item
    in either frame.  ``attributes``: boolean columns compared on pass-1 pairs, those absent
    from either frame are skipped.  See the module docstring for the passes.
    """
    ref_items, ref_classes, ref_boxes, _ = validate_object_frame(
        reference, "reference", need_annotator=False
    )
    del_items, del_classes, del_boxes, _ = validate_object_frame(
        delivered, "delivered", need_annotator=False
    )
    if isinstance(low_iou, bool) or not isinstance(low_iou, int | float) or not 0 < low_iou <= 1:
        raise IntakeInputError(f"low_iou: must lie in (0, 1], got {low_iou!r}")
    thresholds_for_classes(iou_threshold, ref_classes)  # validates, naming iou_threshold
    universe = _item_universe(items, ref_items, del_items)
    ref_keep = np.flatnonzero(np.isin(ref_items, universe))
    del_keep = np.flatnonzero(np.isin(del_items, universe))
    ref_frame = pd.DataFrame(ref_boxes[ref_keep], columns=list(_BOX))
    ref_frame.insert(0, "item_id", ref_items[ref_keep])
    ref_frame.insert(1, "class_id", ref_classes[ref_keep])
    del_frame = pd.DataFrame(del_boxes[del_keep], columns=list(_BOX))
    del_frame.insert(0, "item_id", del_items[del_keep])
    del_frame.insert(1, "class_id", del_classes[del_keep])
    del_frame.insert(2, "annotator_id", 0)
    compared = tuple(a for a in attributes if a in reference.columns and a in delivered.columns)
    ref_attrs = reference.iloc[ref_keep].reset_index(drop=True)
    del_attrs = delivered.iloc[del_keep].reset_index(drop=True)

    open_ref = np.arange(ref_keep.size)
    open_del = np.arange(del_keep.size)
    found: list[pd.DataFrame] = []
    ref_labels = reference.index.to_numpy()[ref_keep]
    del_labels = delivered.index.to_numpy()[del_keep]
    ref_item, del_item = ref_items[ref_keep], del_items[del_keep]
    ref_class, del_class = ref_classes[ref_keep], del_classes[del_keep]

    passes: tuple[tuple[str, IouThreshold, bool], ...] = (
        ("correct", iou_threshold, True),
        ("wrong_class", iou_threshold, False),
        ("poor_localisation", float(low_iou), True),
    )
    for defect_type, threshold, class_aware in passes:
        r, d, iou = _pairs(ref_frame, del_frame, open_ref, open_del, threshold, class_aware)
        if defect_type == "correct":
            differing = _attribute_differences(ref_attrs, del_attrs, r, d, compared)
            bad = differing != ""
            r_bad, d_bad = r[bad], d[bad]
            found.append(
                _defect_rows(
                    "wrong_attribute",
                    ref_item[r_bad],
                    ref_labels[r_bad],
                    del_labels[d_bad],
                    ref_class[r_bad],
                    del_class[d_bad],
                    iou[bad],
                    differing[bad],
                )
            )
        else:
            if defect_type == "poor_localisation":
                below = iou < thresholds_for_classes(iou_threshold, ref_class[r])
                r, d, iou = r[below], d[below], iou[below]
            found.append(
                _defect_rows(
                    defect_type,
                    ref_item[r],
                    ref_labels[r],
                    del_labels[d],
                    ref_class[r],
                    del_class[d],
                    iou,
                )
            )
        open_ref = np.setdiff1d(open_ref, r, assume_unique=True)
        open_del = np.setdiff1d(open_del, d, assume_unique=True)
    found.append(
        _defect_rows(
            "missing_object",
            ref_item[open_ref],
            ref_labels[open_ref],
            None,
            ref_class[open_ref],
            None,
            None,
        )
    )
    found.append(
        _defect_rows(
            "extra_object",
            del_item[open_del],
            None,
            del_labels[open_del],
            None,
            del_class[open_del],
            None,
        )
    )
    defects = pd.concat(found, ignore_index=True)
    type_order = {name: rank for rank, name in enumerate(DEFECT_TYPES)}
    defects = defects.iloc[
        np.lexsort(
            (defects["defect_type"].map(type_order).to_numpy(), defects["item_id"].to_numpy())
        )
    ].reset_index(drop=True)
    return _report(defects, universe, ref_item, del_item, compared)


def _report(
    defects: pd.DataFrame,
    universe: np.ndarray,
    ref_item: np.ndarray,
    del_item: np.ndarray,
    compared: tuple[str, ...],
) -> DefectReport:
    n_items = int(universe.size)
    item_code = np.searchsorted(universe, defects["item_id"].to_numpy())
    per_item = pd.DataFrame(
        {
            "item_id": universe,
            "n_reference": np.bincount(np.searchsorted(universe, ref_item), minlength=n_items),
            "n_delivered": np.bincount(np.searchsorted(universe, del_item), minlength=n_items),
        }
    )
    type_codes = defects["defect_type"].to_numpy()
    summary_rows = []
    for defect_type in DEFECT_TYPES:
        of_type = type_codes == defect_type
        counts = np.bincount(item_code[of_type], minlength=n_items)
        per_item[f"n_{defect_type}"] = counts
        affected = int((counts > 0).sum())
        summary_rows.append(
            {
                "defect_type": defect_type,
                "n_defects": int(of_type.sum()),
                "n_items_affected": affected,
                "item_rate": affected / n_items if n_items else None,
            }
        )
    per_item["n_defects"] = np.bincount(item_code, minlength=n_items)
    per_item["defective"] = per_item["n_defects"].to_numpy() > 0
    summary = pd.DataFrame(summary_rows)
    summary["item_rate"] = pd.array(summary["item_rate"].tolist(), dtype="Float64")
    n_defective = int(per_item["defective"].sum())
    return DefectReport(
        defects=defects,
        items=per_item,
        summary=summary,
        n_items=n_items,
        n_defective_items=n_defective,
        defective_rate=n_defective / n_items if n_items else None,
        compared_attributes=compared,
    )
