"""Per-class IoU distributions of matched pairs, flagged against each class's IoU target.

Pairs matched at the SLA threshold all have IoU at or above it, so a distribution meant to show
how far below target a class sits must come from a comparison matched at a *lower* IoU (for
example ``compare_to_gold(gold, annotations, DISTRIBUTION_MATCH_IOU)``), with the SLA thresholds
passed separately as ``class_thresholds``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelqc.geometry import IouThreshold, thresholds_for_classes
from labelqc.quality.comparison import GoldComparison
from labelqc.quality.dimensions import matched_pair_frame, normalize_by
from labelqc.quality.records import nullable_float
from labelqc.quality.statistics import (
    DEFAULT_IOU_BINS,
    grouped_histogram,
    grouped_mean_var,
    grouped_quantiles,
)

# Low enough that a box overlapping its object at all is kept as a (poor) match.
DISTRIBUTION_MATCH_IOU = 0.1


def _below(values: np.ndarray, thresholds: np.ndarray) -> pd.arrays.BooleanArray:
    missing = np.isnan(values)
    return pd.arrays.BooleanArray(np.where(missing, False, values < thresholds), missing)


def class_iou_distribution(
    comparison: GoldComparison,
    class_thresholds: IouThreshold,
    by: str | Sequence[str] | None = ("class_id",),
    *,
    window: str | None = None,
    bins: int = DEFAULT_IOU_BINS,
) -> pd.DataFrame:
    """IoU distribution of matched pairs per class (the gold class) and any other ``by`` key.

    ``class_thresholds``: the IoU target, a float or ``{class_id: threshold}``; ``by`` must hold
    ``class_id``.  Columns: keys, ``threshold``, ``n_pairs`` (int64), ``mean_iou``,
    ``median_iou``, ``p10_iou``, ``p90_iou`` (Float64, numpy linear-interpolation quantiles),
    ``histogram`` (tuple of ``bins`` counts over equal bins of [0, 1], last bin closed),
    ``median_below_threshold``, ``p10_below_threshold`` (nullable boolean, ``<NA>`` without pairs).
    With ``by=("class_id",)`` every gold class appears, including classes with no matched pair.
    """
    keys = normalize_by(by)
    if "class_id" not in keys:
        raise ValueError("by: class_iou_distribution groups by class, so 'class_id' must be in by")
    frame, codes, key_table = matched_pair_frame(comparison, keys, window)
    if keys == ("class_id",):
        gold_classes = comparison.gold["class_id"].to_numpy(dtype=np.int64)
        all_classes = np.unique(np.concatenate([gold_classes, key_table["class_id"].to_numpy()]))
        codes = np.searchsorted(all_classes, key_table["class_id"].to_numpy())[codes]
        key_table = pd.DataFrame({"class_id": all_classes})
    n_groups = len(key_table)
    iou = frame["iou"].to_numpy()
    counts, mean_iou, _ = grouped_mean_var(codes, iou, n_groups)
    median, p10, p90 = grouped_quantiles(codes, iou, n_groups, (0.5, 0.1, 0.9))
    histogram = grouped_histogram(codes, iou, n_groups, bins)
    thresholds = thresholds_for_classes(class_thresholds, key_table["class_id"].to_numpy())
    return key_table.assign(
        threshold=thresholds,
        n_pairs=counts.astype(np.int64),
        mean_iou=nullable_float(mean_iou),
        median_iou=nullable_float(median),
        p10_iou=nullable_float(p10),
        p90_iou=nullable_float(p90),
        histogram=[tuple(int(v) for v in row) for row in histogram],
        median_below_threshold=_below(median, thresholds),
        p10_below_threshold=_below(p10, thresholds),
    )
