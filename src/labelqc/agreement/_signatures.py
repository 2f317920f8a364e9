"""Fast coincidence matrix for wide numeric ratings on a small integer scale.

A unit's contribution to the coincidence matrix depends only on its value counts n_u (how
many coders gave each value). With M coders and R possible values, n_u is written as one
integer ``sum_v n_uv (M + 1)^v`` (each count is at most M, so the digits never carry).
Counting units per signature takes a few passes over the coders x units array; the
coincidence matrix is then sum over distinct signatures s of
``freq_s / (m_s - 1) * (n_s n_s^T - diag(n_s))``, which involves only the (few hundred)
distinct signatures instead of all units. The result is identical to the general
construction (same sums, regrouped).
"""

from __future__ import annotations

import math

import numpy as np

# Largest number of signature bins counted with np.bincount (beyond it np.unique is used).
_MAX_BINCOUNT_BINS = 1 << 22
# Signatures must fit in int64 with room to spare.
_MAX_SIGNATURE_BITS = 62


def signature_coincidences(data: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(coincidence matrix, values) of coders x units numeric data, or None if not applicable.

    Applies to integer-valued data (NaN = missing) whose signature fits in 62 bits; values are
    the sorted distinct observed values, as in the general path.
    """
    if data.ndim != 2 or data.dtype.kind not in "iuf" or data.size == 0:
        return None
    n_coders = data.shape[0]
    if data.dtype.kind == "f":
        present = ~np.isnan(data)
        low, high = np.fmin.reduce(data, axis=None), np.fmax.reduce(data, axis=None)
        if not (np.isfinite(low) and np.isfinite(high)):
            return None
        offsets = np.where(present, data - low, 0.0)
    else:
        present = None
        low, high = data.min(), data.max()
        offsets = data - low
    base = n_coders + 1
    n_values = int(high) - int(low) + 1
    if n_values * math.log2(base) > _MAX_SIGNATURE_BITS:
        return None
    codes = offsets.astype(np.int64)
    if data.dtype.kind == "f" and not np.array_equal(codes, offsets):
        return None
    powers = base ** np.arange(n_values, dtype=np.int64)
    digits = powers[codes]
    if present is not None:
        digits *= present
    signature = digits.sum(axis=0)
    if base**n_values <= _MAX_BINCOUNT_BINS:
        frequency = np.bincount(signature, minlength=base**n_values)
        distinct = np.flatnonzero(frequency)
        frequency = frequency[distinct]
    else:
        distinct, frequency = np.unique(signature, return_counts=True)
    counts = (distinct[:, None] // powers[None, :]) % base
    per_unit = counts.sum(axis=1)
    observed = (counts * frequency[:, None]).sum(axis=0) > 0
    counts = counts[:, observed].astype(np.float64)
    pairable = per_unit >= 2
    weight = np.zeros(distinct.size)
    weight[pairable] = frequency[pairable] / (per_unit[pairable] - 1)
    weighted = counts * weight[:, None]
    matrix = weighted.T @ counts
    # The diagonal as sum w n (n - 1) directly: subtracting sum w n from sum w n^2 could
    # leave -1e-16 where the exact value is 0.
    matrix[np.diag_indices(matrix.shape[0])] = (weighted * (counts - 1.0)).sum(axis=0)
    values = (low + np.flatnonzero(observed)).astype(data.dtype)
    return matrix, values
