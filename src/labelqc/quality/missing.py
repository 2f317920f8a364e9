"""Missing-annotation rate by scene density.

Scene density of an item is its number of gold objects.  For each graded submission
(item, annotator) every gold object is an *instance*; a *miss* is an instance the submission did
not match.  missing_rate = misses / instances, per density bucket and ``by`` group.  Use a
class-agnostic comparison (``compare_to_gold(..., class_aware=False)``) so a box of the wrong
class is not counted as missing; with a class-aware one a wrong class counts as a miss.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelqc.quality.comparison import GoldComparison
from labelqc.quality.dimensions import attach_dimensions, check_by, group_codes, normalize_by
from labelqc.quality.records import safe_ratio
from labelqc.quality.statistics import distinct_count

DensityBucket = tuple[int, int | None]
DEFAULT_DENSITY_BUCKETS: tuple[DensityBucket, ...] = ((1, 2), (3, 5), (6, 10), (11, 20), (21, None))


def _check_buckets(buckets: Sequence[DensityBucket]) -> tuple[np.ndarray, np.ndarray]:
    if not buckets:
        raise ValueError("buckets: expected at least one (low, high) density bucket")
    lows, highs = [], []
    previous_high = 0
    for index, bucket in enumerate(buckets):
        if len(bucket) != 2:
            raise ValueError(f"buckets[{index}]: expected (low, high), got {bucket!r}")
        low, high = bucket
        open_ended = high is None
        if int(low) < 1 or (not open_ended and int(high) < int(low)):
            raise ValueError(f"buckets[{index}]: expected 1 <= low <= high, got {bucket!r}")
        if int(low) <= previous_high:
            raise ValueError(f"buckets[{index}]: overlaps or is out of order, got {bucket!r}")
        if open_ended and index != len(buckets) - 1:
            raise ValueError(f"buckets[{index}]: only the last bucket may be open-ended")
        lows.append(int(low))
        highs.append(np.iinfo(np.int64).max if open_ended else int(high))
        previous_high = highs[-1]
    return np.asarray(lows, dtype=np.int64), np.asarray(highs, dtype=np.int64)


def bucket_label(bucket: DensityBucket) -> str:
    """Label of a density bucket: ``"3-5"``, ``"1"`` for a single value, ``"21+"`` if open."""
    low, high = bucket
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


def missing_rate_by_density(
    comparison: GoldComparison,
    buckets: Sequence[DensityBucket] = DEFAULT_DENSITY_BUCKETS,
    by: str | Sequence[str] | None = None,
    *,
    window: str | None = None,
) -> pd.DataFrame:
    """Missing-annotation rate per density bucket (and ``by`` group).

    ``buckets``: ascending, non-overlapping inclusive ``(low, high)`` ranges of gold objects per
    item, ``high=None`` for an open last bucket; items whose density falls in no bucket (and items
    without gold objects) are left out.  ``by`` may hold submission-level dimensions
    (``annotator_id``, ``cohort_id``, ``created_at``, ``scene_tag``, ...), not ``class_id``.
    Columns: keys, ``density_bucket`` (label), ``density_min``, ``n_items`` (distinct items),
    ``n_instances``, ``n_missed`` (int64), ``missing_rate`` (Float64).  With no ``by`` every bucket
    appears, empty ones with rate ``<NA>``.
    """
    lows, highs = _check_buckets(buckets)
    keys = normalize_by(by)
    check_by(comparison, keys, allowed_row=("annotator_id", "item_id"))
    groups = comparison.match.groups
    n_groups = len(groups)
    missed = np.bincount(
        comparison.match.unmatched_gold["group"].to_numpy(dtype=np.int64), minlength=n_groups
    )
    n_gold = groups["n_gold"].to_numpy(dtype=np.int64)
    bucket = np.searchsorted(lows, n_gold, side="right") - 1
    in_bucket = (bucket >= 0) & (n_gold <= highs[np.maximum(bucket, 0)]) & (n_gold > 0)
    frame = pd.DataFrame(
        {
            "group": np.flatnonzero(in_bucket),
            "item_id": groups["item_id"].to_numpy()[in_bucket],
            "annotator_id": groups["annotator_id"].to_numpy()[in_bucket],
            "bucket": bucket[in_bucket],
            "n_instances": n_gold[in_bucket],
            "n_missed": missed[in_bucket],
        }
    )
    frame = attach_dimensions(frame, comparison, keys, window)
    codes, key_table = group_codes(frame, (*keys, "bucket"))
    if not keys:
        codes = frame["bucket"].to_numpy(dtype=np.int64)
        key_table = pd.DataFrame({"bucket": np.arange(lows.size)})
    n_cells = len(key_table)
    instances = np.bincount(codes, weights=frame["n_instances"], minlength=n_cells).astype(np.int64)
    n_missed = np.bincount(codes, weights=frame["n_missed"], minlength=n_cells).astype(np.int64)
    bucket_index = key_table["bucket"].to_numpy(dtype=np.int64)
    labels = np.array([bucket_label((low, high)) for low, high in buckets], dtype=object)
    result = key_table.drop(columns="bucket").assign(
        density_bucket=labels[bucket_index],
        density_min=lows[bucket_index],
        n_items=distinct_count(codes, frame["item_id"].to_numpy(), n_cells),
        n_instances=instances,
        n_missed=n_missed,
        missing_rate=safe_ratio(n_missed, instances),
    )
    return result.reset_index(drop=True)
