"""Validation of the canonical annotation / gold frames used by geometry and quality.

The canonical frame has one row per object: ``item_id`` (int), ``annotator_id`` (int; gold rows may
use -1), ``class_id`` (int) and a pixel box ``x, y, w, h`` (float, xywh).  Functions here check
exactly what the matching code relies on and raise :class:`FrameValidationError` (a ``ValueError``)
naming the frame, the column and the first offending row.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

BOX_COLUMNS: tuple[str, str, str, str] = ("x", "y", "w", "h")


class FrameValidationError(ValueError):
    """A DataFrame handed to labelqc is missing a column or holds an invalid value."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], frame_name: str) -> None:
    """Raise FrameValidationError when ``frame`` lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise FrameValidationError(
            f"{frame_name}: expected a pandas DataFrame, got {type(frame).__name__}"
        )
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise FrameValidationError(f"{frame_name}: missing required column(s) {missing}")


def row_label(label: object) -> object:
    """An index label as a plain Python value, for error messages (np.int64(3) -> 3)."""
    return label.item() if isinstance(label, np.generic) else label


def integer_column(frame: pd.DataFrame, column: str, frame_name: str) -> np.ndarray:
    """Return ``frame[column]`` as int64, raising when it holds missing or non-integer values."""
    series = frame[column]
    if series.empty:
        # Zero-row frames (e.g. from an empty query) often carry object dtype: nothing to check.
        return np.zeros(0, dtype=np.int64)
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise FrameValidationError(
            f"{frame_name}.{column}: expected integers, got dtype {series.dtype}"
        )
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu":
        return series.to_numpy(dtype=np.int64)
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise FrameValidationError(
            f"{frame_name}.{column}: row {row_label(frame.index[position])!r} holds "
            f"{row_label(series.iloc[position])!r}, expected an integer"
        )
    return series.to_numpy(dtype=np.int64)


def box_array(frame: pd.DataFrame, frame_name: str) -> np.ndarray:
    """Return the ``x, y, w, h`` columns as an (N, 4) float64 array after validating them.

    Coordinates must be finite and widths/heights non-negative.
    """
    require_columns(frame, BOX_COLUMNS, frame_name)
    if frame.empty:
        return np.zeros((0, 4), dtype=np.float64)
    for column in BOX_COLUMNS:
        if not pd.api.types.is_numeric_dtype(frame[column].dtype):
            raise FrameValidationError(
                f"{frame_name}.{column}: expected numbers, got dtype {frame[column].dtype}"
            )
    boxes = frame.loc[:, list(BOX_COLUMNS)].to_numpy(dtype=np.float64, na_value=np.nan)
    not_finite = ~np.isfinite(boxes)
    if not_finite.any():
        row_pos, col_pos = np.argwhere(not_finite)[0]
        raise FrameValidationError(
            f"{frame_name}.{BOX_COLUMNS[col_pos]}: row {row_label(frame.index[row_pos])!r} "
            "is not a finite number"
        )
    negative = boxes[:, 2:] < 0
    if negative.any():
        row_pos, col_pos = np.argwhere(negative)[0]
        raise FrameValidationError(
            f"{frame_name}.{BOX_COLUMNS[2 + col_pos]}: row {row_label(frame.index[row_pos])!r} "
            "is negative"
        )
    return boxes


def require_unique_index(frame: pd.DataFrame, frame_name: str) -> None:
    """Matched pairs refer to rows by index label, so labels must be unique."""
    if not frame.index.is_unique:
        duplicated = row_label(frame.index[frame.index.duplicated()][0])
        raise FrameValidationError(f"{frame_name}: index label {duplicated!r} is not unique")


def validate_object_frame(
    frame: pd.DataFrame, frame_name: str, *, need_annotator: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Validate an annotations/gold frame; return (item_id, class_id, boxes, annotator_id|None)."""
    columns = ["item_id", "class_id"] + (["annotator_id"] if need_annotator else [])
    require_columns(frame, columns, frame_name)
    require_unique_index(frame, frame_name)
    item_ids = integer_column(frame, "item_id", frame_name)
    class_ids = integer_column(frame, "class_id", frame_name)
    annotator_ids = integer_column(frame, "annotator_id", frame_name) if need_annotator else None
    boxes = box_array(frame, frame_name)
    return item_ids, class_ids, boxes, annotator_ids
