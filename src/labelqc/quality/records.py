"""Conversion of result frames to JSON-ready records, and nullable numeric columns.

Quality results keep undefined values (a precision with no predictions, a median of nothing) as
pandas ``<NA>`` in nullable ``Float64`` columns, never as NaN; :func:`to_records` turns every
missing value into ``None`` and numpy scalars into Python ones, so results can go to JSON as is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike


def nullable_float(values: ArrayLike) -> pd.arrays.FloatingArray:
    """Return ``values`` as a nullable Float64 array with every NaN/inf turned into ``<NA>``."""
    array = np.asarray(values, dtype=np.float64)
    return pd.arrays.FloatingArray(array, ~np.isfinite(array))


def safe_ratio(numerator: ArrayLike, denominator: ArrayLike) -> pd.arrays.FloatingArray:
    """Element-wise ``numerator / denominator`` as Float64, ``<NA>`` where the denominator is 0."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return nullable_float(ratio)


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, tuple | list | np.ndarray):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def to_records(frame: pd.DataFrame, include_index: bool = False) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of plain Python values, missing values as ``None``.

    Floats become ``float`` (NaN/inf -> None), integers ``int``, booleans ``bool``, timestamps ISO
    8601 strings, tuples/arrays lists.  With ``include_index`` the index level(s) come first.
    """
    data = frame.reset_index() if include_index else frame
    columns = [str(column) for column in data.columns]
    return [
        {column: _plain(value) for column, value in zip(columns, row, strict=True)}
        for row in data.itertuples(index=False, name=None)
    ]
