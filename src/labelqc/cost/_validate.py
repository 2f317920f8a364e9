"""Vectorized input checks shared by the cost modules; every failure names its field and record."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from labelqc.cost.errors import CostInputError


def check_scalar(
    value: float,
    field: str,
    *,
    low: float = 0.0,
    high: float | None = None,
    high_open: bool = False,
    low_open: bool = False,
) -> float:
    """Return ``value`` as a float after checking it is finite and inside the given interval."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise CostInputError(field, f"must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise CostInputError(field, f"must be a finite number, got {number!r}")
    bad = bool(_outside(np.array([number]), low, high, low_open, high_open)[0])
    if bad:
        raise CostInputError(
            field, f"must be in {_interval(low, high, low_open, high_open)}, got {number!r}"
        )
    return number


def numeric_column(frame: pd.DataFrame, field: str, *, default: float | None = None) -> np.ndarray:
    """Read ``field`` as float64 (NaN for missing cells); absent column -> ``default`` (or error)."""
    if field not in frame.columns:
        if default is None:
            raise CostInputError(field, "is a required column")
        return np.full(len(frame), float(default))
    column = frame[field]
    if pd.api.types.is_bool_dtype(column):
        raise CostInputError(field, "must be numeric, got booleans")
    try:
        values = pd.to_numeric(column, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise CostInputError(field, f"must be numeric ({exc})") from None
    if default is not None:
        values = np.where(np.isnan(values), float(default), values)
    return values


def check_range(
    values: np.ndarray,
    field: str,
    index: pd.Index | None,
    *,
    low: float = 0.0,
    high: float | None = None,
    high_open: bool = False,
    low_open: bool = False,
    where: np.ndarray | None = None,
    reason: str = "",
) -> None:
    """Raise on the first row (restricted to ``where``) that is non-finite or out of range."""
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(values) | _outside(values, low, high, low_open, high_open)
    if where is not None:
        bad &= where
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        suffix = f" {reason}" if reason else ""
        raise CostInputError(
            field,
            f"must be a finite number in {_interval(low, high, low_open, high_open)}{suffix}, "
            f"got {_plain(values[position])!r}",
            record=_label(index, position),
        )


def check_choices(
    values: np.ndarray, field: str, index: pd.Index | None, choices: Iterable[str]
) -> None:
    """Raise on the first row whose value is not one of ``choices``."""
    allowed = tuple(choices)
    bad = ~pd.Series(values).isin(allowed).to_numpy()
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise CostInputError(
            field,
            f"must be one of {', '.join(allowed)}; got {_plain(values[position])!r}",
            record=_label(index, position),
        )


def raise_first(
    bad: np.ndarray,
    field: str,
    message: str,
    values: np.ndarray | pd.Series,
    index: pd.Index | None,
) -> None:
    """Raise CostInputError for the first True in ``bad``, quoting that row's value.

    ``values`` may be a Series so that nothing is converted unless a row is bad.
    """
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        value = values.iloc[position] if isinstance(values, pd.Series) else values[position]
        raise CostInputError(
            field, f"{message}, got {_plain(value)!r}", record=_label(index, position)
        )


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _label(index: pd.Index | None, position: int) -> object:
    return None if index is None else _plain(index[position])


def _outside(
    values: np.ndarray, low: float, high: float | None, low_open: bool, high_open: bool
) -> np.ndarray:
    below = values <= low if low_open else values < low
    if high is None:
        return below
    above = values >= high if high_open else values > high
    return below | above


def _interval(low: float, high: float | None, low_open: bool, high_open: bool) -> str:
    left = "(" if low_open else "["
    if high is None:
        return f"{left}{low:g}, inf)"
    right = ")" if high_open else "]"
    return f"{left}{low:g}, {high:g}{right}"
