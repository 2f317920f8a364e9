"""Fast integer-key helpers: sorted uniques and dense codes of int64 ids.

Ids in labelling data are usually compact integer ranges, where a lookup table (``bincount``,
direct indexing) is far cheaper than sorting millions of keys; sparse ranges fall back to a hash
(``pandas.unique``) plus a sort of the few uniques, or ``searchsorted``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# A lookup table may be this many times larger than the data before sorting becomes cheaper.
_TABLE_FACTOR = 4
_TABLE_MIN = 1 << 16


def _compact_range(values: np.ndarray, extra: int = 0) -> tuple[int, int] | None:
    if values.size == 0:
        return None
    low, high = int(values.min()), int(values.max())
    if high - low + 1 <= _TABLE_FACTOR * (values.size + extra) + _TABLE_MIN:
        return low, high
    return None


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique values of an int64 array."""
    values = np.asarray(values, dtype=np.int64)
    span = _compact_range(values)
    if span is None:
        return np.sort(pd.unique(values)) if values.size else values.copy()
    low, _ = span
    return np.flatnonzero(np.bincount(values - low)).astype(np.int64) + low


def dense_codes(values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Position of each value in the sorted unique array ``universe``, -1 where absent."""
    values = np.asarray(values, dtype=np.int64)
    if values.size == 0 or universe.size == 0:
        return np.full(values.shape, -1, dtype=np.int64)
    span = _compact_range(universe, extra=values.size)
    if span is not None:
        low, high = span
        table = np.full(high - low + 1, -1, dtype=np.int64)
        table[universe - low] = np.arange(universe.size)
        inside = (values >= low) & (values <= high)
        return np.where(inside, table[np.clip(values - low, 0, high - low)], -1)
    positions = np.minimum(np.searchsorted(universe, values), universe.size - 1)
    return np.where(universe[positions] == values, positions, -1).astype(np.int64)


def pair_codes(first: np.ndarray, second: np.ndarray, n_second: int) -> np.ndarray:
    """Dense codes of (first, second) code pairs, both non-negative; ``second < n_second``.

    Uses the combined key ``first * n_second + second`` directly when that range is compact,
    else a hash factorization.  Codes are arbitrary but equal exactly for equal pairs.
    """
    combined = first.astype(np.int64) * n_second + second
    if combined.size and int(combined.max()) + 1 <= _TABLE_FACTOR * combined.size + _TABLE_MIN:
        return combined
    return pd.factorize(combined)[0].astype(np.int64)
