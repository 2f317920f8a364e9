"""Mergeable sufficient statistics: IoU histograms, counts, and what can be derived from them.

A report over many item shards sums counts and histogram bins shard by shard (items are disjoint
across shards, so sums are exact) and derives rates and approximate quantiles at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

DEFAULT_IOU_BINS = 20


def iou_bin_edges(bins: int = DEFAULT_IOU_BINS) -> np.ndarray:
    """Edges of ``bins`` equal-width IoU bins over [0, 1] (``bins + 1`` values)."""
    if bins < 1:
        raise ValueError(f"bins: expected a positive number of bins, got {bins}")
    return np.linspace(0.0, 1.0, bins + 1)


def iou_bin_columns(bins: int = DEFAULT_IOU_BINS) -> list[str]:
    """Column names of histogram counts, ``iou_bin_00`` ... (bin k covers [k/bins, (k+1)/bins))."""
    width = max(2, len(str(bins - 1)))
    return [f"iou_bin_{k:0{width}d}" for k in range(bins)]


def iou_bin_index(iou: ArrayLike, bins: int = DEFAULT_IOU_BINS) -> np.ndarray:
    """Bin of each IoU value; the last bin is closed so IoU 1.0 falls in it."""
    values = np.asarray(iou, dtype=np.float64)
    return np.clip(np.floor(values * bins).astype(np.int64), 0, bins - 1)


def grouped_histogram(codes: np.ndarray, iou: np.ndarray, n_groups: int, bins: int) -> np.ndarray:
    """(n_groups, bins) int64 histogram counts of ``iou`` per group code."""
    flat = codes.astype(np.int64) * bins + iou_bin_index(iou, bins)
    return np.bincount(flat, minlength=n_groups * bins).reshape(n_groups, bins)


def distinct_count(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct ``values`` within each group code, (n_groups,) int64 (hash based)."""
    if codes.size == 0:
        return np.zeros(n_groups, dtype=np.int64)
    value_codes, uniques = pd.factorize(values)
    combined = codes.astype(np.int64) * len(uniques) + value_codes
    return np.bincount(pd.unique(combined) // len(uniques), minlength=n_groups).astype(np.int64)


# Up to this many groups, partition each group's slice (O(n)) instead of sorting everything.
_PARTITION_MAX_GROUPS = 4096


def _order_indices(sizes: np.ndarray, qs: Sequence[float]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per quantile: the lower and upper order-statistic index within each group (size > 0)."""
    bounds = []
    for q in qs:
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q: expected a quantile in [0, 1], got {q}")
        position = q * (sizes - 1)
        low = np.floor(position).astype(np.int64)
        bounds.append((low, np.minimum(low + 1, sizes - 1)))
    return bounds


def _interpolate(
    low_value: np.ndarray, high_value: np.ndarray, q: float, sizes: np.ndarray
) -> np.ndarray:
    position = q * (sizes - 1)
    return low_value + (high_value - low_value) * (position - np.floor(position))


def grouped_quantiles(
    codes: np.ndarray, values: np.ndarray, n_groups: int, qs: Sequence[float]
) -> np.ndarray:
    """Exact quantiles ``qs`` of ``values`` within each group code (numpy's linear interpolation).

    Returns (len(qs), n_groups) float64, NaN for a group with no value.  Few groups: one stable
    integer sort by group, then ``np.partition`` per group; many groups: one float argsort on a
    composite key ``code + value scaled into [0, 0.5]`` (values closer than about 1e-9 of their
    range may swap order, which moves a quantile by at most that difference).
    """
    sizes = np.bincount(codes, minlength=n_groups) if codes.size else np.zeros(n_groups, int)
    present = np.flatnonzero(sizes)
    bounds = _order_indices(sizes[present], qs)
    result = np.full((len(qs), n_groups), np.nan)
    if values.size == 0:
        return result
    starts = np.cumsum(sizes) - sizes
    if n_groups <= _PARTITION_MAX_GROUPS:
        code_type = np.int16 if n_groups < np.iinfo(np.int16).max else np.int32
        grouped = values[np.argsort(codes.astype(code_type), kind="stable")]
        picked_low = np.empty((len(qs), present.size))
        picked_high = np.empty((len(qs), present.size))
        for slot, group in enumerate(present.tolist()):
            segment = grouped[starts[group] : starts[group] + sizes[group]]
            needed = sorted({int(b[k][slot]) for b in bounds for k in (0, 1)})
            partitioned = np.partition(segment, needed)
            for row, (low, high) in enumerate(bounds):
                picked_low[row, slot] = partitioned[low[slot]]
                picked_high[row, slot] = partitioned[high[slot]]
    else:
        low_all, high_all = float(values.min()), float(values.max())
        scale = 0.5 / (high_all - low_all) if high_all > low_all else 0.0
        ordered = values[np.argsort(codes + (values - low_all) * scale)]
        picked_low = np.stack([ordered[starts[present] + low] for low, _ in bounds])
        picked_high = np.stack([ordered[starts[present] + high] for _, high in bounds])
    for row, q in enumerate(qs):
        result[row, present] = _interpolate(picked_low[row], picked_high[row], q, sizes[present])
    return result


def grouped_quantile(codes: np.ndarray, values: np.ndarray, n_groups: int, q: float) -> np.ndarray:
    """:func:`grouped_quantiles` for one quantile ``q``: (n_groups,) float64."""
    return grouped_quantiles(codes, values, n_groups, (q,))[0]


def grouped_mean_var(
    codes: np.ndarray, values: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: count (int64), mean and sample variance (ddof=1) of ``values``.

    Mean is NaN for an empty group, variance NaN below two values.  Two-pass (mean first) for
    numerical stability.
    """
    counts = np.bincount(codes, minlength=n_groups)
    sums = np.bincount(codes, weights=values, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        deviations = values - means[codes]
        squares = np.bincount(codes, weights=deviations * deviations, minlength=n_groups)
        variances = np.where(counts > 1, squares / np.maximum(counts - 1, 1), np.nan)
    return counts, means, variances


def histogram_quantile(counts: ArrayLike, q: float, edges: ArrayLike | None = None) -> np.ndarray:
    """Approximate quantile ``q`` of each histogram row, interpolating linearly inside a bin.

    ``counts`` is (G, B) (or (B,)); returns (G,) float64 with NaN for an empty row.  The error is
    at most one bin width (0.05 with 20 bins over [0, 1]).
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q: expected a quantile in [0, 1], got {q}")
    table = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    n_bins = table.shape[1]
    bin_edges = iou_bin_edges(n_bins) if edges is None else np.asarray(edges, dtype=np.float64)
    if bin_edges.size != n_bins + 1:
        raise ValueError(f"edges: expected {n_bins + 1} edges, got {bin_edges.size}")
    totals = table.sum(axis=1)
    cumulative = np.cumsum(table, axis=1)
    target = q * totals
    # First bin whose cumulative count reaches the target rank.
    bin_of_target = np.minimum((cumulative < target[:, None]).sum(axis=1), n_bins - 1)
    rows = np.arange(table.shape[0])
    in_bin = table[rows, bin_of_target]
    before = cumulative[rows, bin_of_target] - in_bin
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(in_bin > 0, (target - before) / np.where(in_bin > 0, in_bin, 1), 0.0)
    low, high = bin_edges[bin_of_target], bin_edges[bin_of_target + 1]
    result = low + np.clip(fraction, 0.0, 1.0) * (high - low)
    return np.where(totals > 0, result, np.nan)


def sum_statistics(
    stats: pd.DataFrame, by: Sequence[str], value_columns: Sequence[str]
) -> pd.DataFrame:
    """Sum ``value_columns`` of ``stats`` over the groups of ``by`` (merging shards or rolling up).

    Other columns are dropped; with an empty ``by`` the result is one row of totals.
    """
    keys = list(by)
    values = list(value_columns)
    missing = [column for column in keys + values if column not in stats.columns]
    if missing:
        raise ValueError(f"stats: missing column(s) {missing}")
    if not keys:
        return stats[values].sum().to_frame().T.astype(stats[values].dtypes.to_dict())
    return stats.groupby(keys, sort=True, dropna=False)[values].sum().reset_index()


def wilson_bounds(successes: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lower, upper) of successes / n at normal quantile ``z``.

    NaN where n == 0 (callers gate on a minimum count before reading a bound).
    """
    k = np.asarray(successes, dtype=np.float64)
    total = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / total
        denominator = 1.0 + z * z / total
        centre = (p + z * z / (2.0 * total)) / denominator
        half = z * np.sqrt(p * (1.0 - p) / total + z * z / (4.0 * total * total)) / denominator
    # Clipped: at 0 or n successes rounding can put a bound a hair outside [0, 1].
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
