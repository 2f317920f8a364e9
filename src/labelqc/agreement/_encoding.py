"""Turning reliability data (coders x units, missing = NaN/None) into integer value codes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.agreement._messages import shown

# Integer-valued numeric data whose range is at most this wide is coded by offset + bincount,
# which is several times faster than a hash/sort based factorize on millions of values.
_MAX_DIRECT_RANGE = 1 << 20


@dataclass(frozen=True, eq=False)
class EncodedValues:
    """Observed values in long form: one entry per (unit, coder) that holds a value.

    ``unit`` indexes units (columns of the reliability data), ``code`` indexes ``values``.
    """

    unit: np.ndarray
    code: np.ndarray
    values: np.ndarray
    n_units: int
    n_coders: int


def missing_mask(by_unit: np.ndarray) -> np.ndarray:
    """True where a value is missing (NaN, None, pd.NA, or the string "nan")."""
    kind = by_unit.dtype.kind
    if kind == "f":
        return np.isnan(by_unit)
    if kind in "iub":
        return np.zeros(by_unit.shape, dtype=bool)
    if kind == "O":
        return np.asarray(pd.isna(by_unit), dtype=bool)
    if kind in "US":
        # np.asarray turns NaN inside a list of strings into the string "nan".
        return np.asarray(pd.isna(by_unit), dtype=bool) | (by_unit == by_unit.dtype.type("nan"))
    raise ValueError(f"reliability_data has unsupported dtype {by_unit.dtype}")


def _codes_from_integral_numbers(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    if observed.dtype.kind not in "iuf" or observed.size == 0:
        return None
    low, high = observed.min(), observed.max()
    if high - low > _MAX_DIRECT_RANGE:
        return None
    offsets = observed - low
    as_int = offsets.astype(np.int64)
    if observed.dtype.kind == "f" and not np.array_equal(as_int, offsets):
        return None
    present = np.bincount(as_int, minlength=int(high - low) + 1) > 0
    remap = np.cumsum(present) - 1
    values = (np.flatnonzero(present) + low).astype(observed.dtype)
    return remap[as_int], values


def encode_codes(
    observed: np.ndarray, value_domain: object | None
) -> tuple[np.ndarray, np.ndarray]:
    """Codes (indices into the returned values) for 1-D ``observed`` values.

    Without ``value_domain`` the values are the sorted distinct observed values (insertion
    order if they cannot be sorted); with it, its order is kept (it is the order the ordinal
    metric uses) and a value outside it raises ValueError.
    """
    if value_domain is not None:
        domain = np.asarray(value_domain)
        if domain.ndim != 1:
            raise ValueError("value_domain must be 1-D")
        index = pd.Index(domain)
        if not index.is_unique:
            raise ValueError("value_domain holds a value twice")
        codes = np.asarray(index.get_indexer(observed), dtype=np.int64)
        outside = np.flatnonzero(codes < 0)
        if outside.size:
            raise ValueError(
                f"reliability_data holds {shown(observed[outside[0]])}, which is not in value_domain"
            )
        return codes, domain
    direct = _codes_from_integral_numbers(observed)
    if direct is not None:
        return direct
    try:
        codes, uniques = pd.factorize(observed, sort=True)
    except TypeError:
        # Mixed, unorderable labels: fine for nominal data, where order is irrelevant.
        codes, uniques = pd.factorize(observed, sort=False)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques)


def encode_reliability_data(
    reliability_data: object, value_domain: object | None = None
) -> EncodedValues:
    """Validate coders x units reliability data and code its non-missing values.

    Missing values are NaN, None or pd.NA. Entries come back ordered by unit.
    """
    data = np.asarray(reliability_data)
    if data.ndim != 2:
        raise ValueError(f"reliability_data must be 2-D (coders x units), got shape {data.shape}")
    if data.dtype.kind == "c":
        raise ValueError("reliability_data must not be complex")
    if data.dtype.kind == "f" and np.isinf(data).any():
        raise ValueError("reliability_data holds an infinite value")
    by_unit = data.T
    present = ~missing_mask(by_unit)
    unit, _coder = np.nonzero(present)
    observed = by_unit[present]
    if observed.dtype.kind == "O":
        observed = _tighten_object_values(observed)
    codes, values = encode_codes(observed, value_domain)
    return EncodedValues(
        unit=unit.astype(np.int64),
        code=codes,
        values=values,
        n_units=int(data.shape[1]),
        n_coders=int(data.shape[0]),
    )


def _tighten_object_values(observed: np.ndarray) -> np.ndarray:
    """Object arrays of plain numbers become float arrays so interval/ratio metrics apply."""
    kind = pd.api.types.infer_dtype(observed, skipna=True)
    if kind in {"integer", "floating", "mixed-integer-float", "decimal"}:
        return observed.astype(np.float64)
    return observed
