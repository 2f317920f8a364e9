"""Roll-up dimensions (the ``by`` argument of the quality metrics).

A ``by`` entry is one of:

- ``annotator_id``, ``item_id``, ``class_id``: taken from the row itself (for a matched pair the
  class is the gold object's class, for a false positive the drawn class);
- ``scene_tag``: one of the item's scene tags; a row counts once under each tag of its item and
  items without tags fall under ``None``;
- ``created_at``: the submission time floored to ``window`` (a fixed pandas frequency such as
  ``"1h"`` or ``"1D"``); the column holds the window start;
- any submission attribute of the comparison (``cohort_id``, or an extra ``assignments`` column).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelqc.quality.comparison import GoldComparison

ROW_DIMENSIONS = ("annotator_id", "item_id", "class_id")
SCENE_TAG = "scene_tag"
TIME_DIMENSION = "created_at"


def normalize_by(by: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return ``by`` as a tuple of unique column names (a single string is one dimension)."""
    if by is None:
        return ()
    keys = (by,) if isinstance(by, str) else tuple(by)
    if len(set(keys)) != len(keys):
        raise ValueError(f"by: repeated dimension in {keys}")
    return keys


def check_by(
    comparison: GoldComparison, by: tuple[str, ...], *, allowed_row: Sequence[str] = ROW_DIMENSIONS
) -> None:
    """Raise ValueError naming an unknown or unavailable dimension of ``by``."""
    submission_columns = [c for c in comparison.submissions.columns if c != "item_id"]
    for key in by:
        if key in allowed_row or key in submission_columns:
            continue
        if key == SCENE_TAG:
            if comparison.item_tags is None:
                raise ValueError("by: 'scene_tag' needs items.scene_tags or gold.scene_tags")
            continue
        known = sorted({*allowed_row, *submission_columns, SCENE_TAG})
        raise ValueError(f"by: unknown dimension {key!r}; available: {known}")


def _window_start(values: pd.Series, window: str | None) -> pd.Series:
    if window is None:
        raise ValueError("window: grouping by 'created_at' needs a window such as '1D'")
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        raise ValueError(f"created_at: expected datetime64 values, got dtype {values.dtype}")
    try:
        return values.dt.floor(window)
    except ValueError as error:
        raise ValueError(f"window: {window!r} is not a fixed pandas frequency ({error})") from error


def attach_dimensions(
    frame: pd.DataFrame, comparison: GoldComparison, by: tuple[str, ...], window: str | None
) -> pd.DataFrame:
    """Return ``frame`` (with ``group`` and ``item_id`` columns) plus one column per ``by`` key.

    Rows are repeated once per scene tag when ``scene_tag`` is in ``by``.
    """
    result = frame.copy() if by else frame
    group_codes = frame["group"].to_numpy()
    for key in by:
        if key in frame.columns or key == SCENE_TAG:
            continue
        values = comparison.submissions[key]
        if key == TIME_DIMENSION:
            values = _window_start(values, window)
        result[key] = values.array.take(group_codes)
    if SCENE_TAG in by:
        tags = comparison.item_tags
        if tags is None:
            raise ValueError("by: 'scene_tag' needs items.scene_tags or gold.scene_tags")
        # Explode per item (few) rather than per row (many), then join rows to their tags.
        exploded = tags.explode()
        tag_table = pd.DataFrame(
            {"item_id": exploded.index.to_numpy(), SCENE_TAG: exploded.to_numpy(dtype=object)}
        )
        result = result.merge(tag_table, on="item_id", how="left")
        result[SCENE_TAG] = result[SCENE_TAG].astype(object).where(result[SCENE_TAG].notna(), None)
    return result


def group_codes(frame: pd.DataFrame, by: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense group code of each row for the ``by`` columns, and the key table (row k = code k).

    Keys are sorted; missing key values form their own group.  With an empty ``by`` every row
    is in group 0 and the key table has one row and no column.
    """
    if not by:
        return np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    codes = frame.groupby(list(by), sort=True, dropna=False).ngroup().to_numpy(dtype=np.int64)
    _, first_rows = np.unique(codes, return_index=True)
    keys = frame.iloc[first_rows][list(by)].reset_index(drop=True)
    return codes, keys


def matched_pair_frame(
    comparison: GoldComparison, by: str | Sequence[str] | None, window: str | None
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Matched pairs with their ``by`` dimensions, group codes and key table.

    The frame has ``group, item_id, annotator_id, class_id`` (gold class), ``gold_row, ann_row``
    (positions in the comparison's frames) and ``iou``, plus one column per ``by`` key.
    """
    keys = normalize_by(by)
    check_by(comparison, keys)
    pairs = comparison.match.pairs
    frame = pd.DataFrame(
        {
            "group": pairs["group"].to_numpy(),
            "item_id": pairs["item_id"].to_numpy(),
            "annotator_id": pairs["annotator_id"].to_numpy(),
            "class_id": pairs["gold_class_id"].to_numpy(),
            "gold_row": pairs["gold_row"].to_numpy(),
            "ann_row": pairs["ann_row"].to_numpy(),
            "iou": pairs["iou"].to_numpy(),
        }
    )
    frame = attach_dimensions(frame, comparison, keys, window)
    codes, key_table = group_codes(frame, keys)
    return frame, codes, key_table
