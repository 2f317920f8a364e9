"""Golden-set scoring: TP / FP / FN, precision, recall, accuracy and IoU per roll-up group.

Definitions (per group of outcomes):

- TP: a matched (gold, annotation) pair; FP: a graded annotation with no gold partner; FN: a gold
  object the submission missed (an assigned submission with no box misses every gold object).
- precision = TP / (TP + FP), recall = TP / (TP + FN), accuracy = TP / (TP + FP + FN) (CVAT's
  "accuracy": valid / (valid + missing + extra)); each is ``<NA>`` when its denominator is 0.
- mean_iou, median_iou, p10_iou: over the IoU of the group's TPs (``<NA>`` without TP); quantiles
  use numpy's linear interpolation.
- n_items: distinct items with at least one outcome in the group.

The class of an outcome is the gold object's class for TP and FN and the drawn class for FP.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from labelqc.geometry import IouThreshold, MatchResult
from labelqc.quality.comparison import GoldComparison, compare_to_gold
from labelqc.quality.dimensions import attach_dimensions, check_by, group_codes, normalize_by
from labelqc.quality.records import nullable_float, safe_ratio
from labelqc.quality.statistics import (
    DEFAULT_IOU_BINS,
    distinct_count,
    grouped_histogram,
    grouped_quantiles,
    histogram_quantile,
    iou_bin_columns,
    sum_statistics,
)

COUNT_COLUMNS = ("n_items", "tp", "fp", "fn")


def outcome_events(match: MatchResult) -> pd.DataFrame:
    """One row per outcome: ``group, item_id, annotator_id, class_id, tp, fp, fn, iou``.

    ``tp``/``fp``/``fn`` are 0/1 indicators; ``iou`` is the pair IoU for a TP, 0 otherwise.
    """
    pairs, extra, missed = match.pairs, match.unmatched_ann, match.unmatched_gold
    n_tp, n_fp, n_fn = len(pairs), len(extra), len(missed)
    kind = np.repeat(np.array([0, 1, 2], dtype=np.int8), [n_tp, n_fp, n_fn])
    columns = ("group", "item_id", "annotator_id")
    frame = {
        column: np.concatenate(
            [pairs[column].to_numpy(), extra[column].to_numpy(), missed[column].to_numpy()]
        ).astype(np.int64)
        for column in columns
    }
    frame["class_id"] = np.concatenate(
        [
            pairs["gold_class_id"].to_numpy(),
            extra["class_id"].to_numpy(),
            missed["class_id"].to_numpy(),
        ]
    ).astype(np.int64)
    frame["tp"] = (kind == 0).astype(np.int64)
    frame["fp"] = (kind == 1).astype(np.int64)
    frame["fn"] = (kind == 2).astype(np.int64)
    frame["iou"] = np.concatenate([pairs["iou"].to_numpy(), np.zeros(n_fp + n_fn)])
    return pd.DataFrame(frame, copy=False)


def _grouped_events(
    comparison: GoldComparison, by: str | Sequence[str] | None, window: str | None
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    keys = normalize_by(by)
    check_by(comparison, keys)
    events = attach_dimensions(outcome_events(comparison.match), comparison, keys, window)
    codes, key_table = group_codes(events, keys)
    return events, codes, key_table


def _rate_columns(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> dict[str, object]:
    return {
        "precision": safe_ratio(tp, tp + fp),
        "recall": safe_ratio(tp, tp + fn),
        "accuracy": safe_ratio(tp, tp + fp + fn),
    }


def score_comparison(
    comparison: GoldComparison,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
) -> pd.DataFrame:
    """Score a :class:`GoldComparison`; one row per ``by`` group (see the module definitions).

    Columns: the ``by`` keys, ``n_items, tp, fp, fn`` (int64), ``precision, recall, accuracy,
    mean_iou, median_iou, p10_iou`` (Float64, ``<NA>`` where undefined).
    """
    events, codes, key_table = _grouped_events(comparison, by, window)
    n_groups = len(key_table)
    tp = np.bincount(codes, weights=events["tp"].to_numpy(), minlength=n_groups).astype(np.int64)
    fp = np.bincount(codes, weights=events["fp"].to_numpy(), minlength=n_groups).astype(np.int64)
    fn = np.bincount(codes, weights=events["fn"].to_numpy(), minlength=n_groups).astype(np.int64)
    is_tp = events["tp"].to_numpy() == 1
    tp_codes, tp_iou = codes[is_tp], events["iou"].to_numpy()[is_tp]
    iou_sum = np.bincount(tp_codes, weights=tp_iou, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_iou = np.where(tp > 0, iou_sum / np.maximum(tp, 1), np.nan)
    median_iou, p10_iou = grouped_quantiles(tp_codes, tp_iou, n_groups, (0.5, 0.1))
    result = key_table.assign(
        n_items=distinct_count(codes, events["item_id"].to_numpy(), n_groups),
        tp=tp,
        fp=fp,
        fn=fn,
        **_rate_columns(tp, fp, fn),
        mean_iou=nullable_float(mean_iou),
        median_iou=nullable_float(median_iou),
        p10_iou=nullable_float(p10_iou),
    )
    return result


def score_against_gold(
    gold: pd.DataFrame,
    annotations: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
    class_aware: bool = True,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score annotations against a golden set, one row per ``by`` group.

    Inputs as in :func:`labelqc.quality.compare_to_gold` (canonical frames; ``assignments`` makes
    empty submissions count as all-FN; ``gold_items`` declares gold items with no object).  ``by``
    names the roll-up: ``annotator_id`` (default), ``class_id``, ``cohort_id``, ``scene_tag``,
    ``created_at`` (windowed by ``window``, e.g. ``"1D"``), ``item_id`` or an assignments column;
    ``()`` gives one overall row.  Output columns as in :func:`score_comparison`.
    """
    comparison = compare_to_gold(
        gold,
        annotations,
        iou_threshold,
        class_aware=class_aware,
        assignments=assignments,
        gold_items=gold_items,
        items=items,
    )
    return score_comparison(comparison, by, window=window)


def score_against_gold_per_class(
    gold: pd.DataFrame,
    annotations: pd.DataFrame,
    iou_threshold: IouThreshold = 0.5,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
    assignments: pd.DataFrame | None = None,
    gold_items: Iterable[int] | None = None,
    items: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`score_against_gold` with ``class_id`` appended to ``by`` (per annotator and class).

    Matching is class-aware, so a box of the wrong class is one FP (drawn class) and one FN
    (gold class).
    """
    return score_against_gold(
        gold,
        annotations,
        iou_threshold,
        (*normalize_by(by), "class_id"),
        window=window,
        assignments=assignments,
        gold_items=gold_items,
        items=items,
    )


def gold_score_statistics(
    comparison: GoldComparison,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
    bins: int = DEFAULT_IOU_BINS,
) -> pd.DataFrame:
    """Mergeable sufficient statistics of gold scoring per ``by`` group.

    Columns: keys, ``n_items, tp, fp, fn, iou_sum, iou_sq_sum`` and ``iou_bin_00..`` (histogram of
    TP IoU over ``bins`` equal bins of [0, 1]).  Frames from disjoint item shards can be
    concatenated and summed per key (:func:`merge_gold_statistics`), then summarized.
    """
    events, codes, key_table = _grouped_events(comparison, by, window)
    n_groups = len(key_table)
    is_tp = events["tp"].to_numpy() == 1
    tp_codes, tp_iou = codes[is_tp], events["iou"].to_numpy()[is_tp]
    histogram = grouped_histogram(tp_codes, tp_iou, n_groups, bins)
    stats = key_table.assign(
        n_items=distinct_count(codes, events["item_id"].to_numpy(), n_groups),
        **{
            column: np.bincount(
                codes, weights=events[column].to_numpy(), minlength=n_groups
            ).astype(np.int64)
            for column in ("tp", "fp", "fn")
        },
        iou_sum=np.bincount(tp_codes, weights=tp_iou, minlength=n_groups),
        iou_sq_sum=np.bincount(tp_codes, weights=tp_iou * tp_iou, minlength=n_groups),
    )
    histogram_frame = pd.DataFrame(histogram, columns=iou_bin_columns(bins), index=stats.index)
    return pd.concat([stats, histogram_frame], axis=1)


def _statistic_columns(stats: pd.DataFrame) -> list[str]:
    bins = [c for c in stats.columns if c.startswith("iou_bin_")]
    return [*COUNT_COLUMNS, "iou_sum", "iou_sq_sum", *bins]


def _sum_gold_statistics(stats: pd.DataFrame, by: tuple[str, ...]) -> pd.DataFrame:
    """Sum statistics per ``by``; ``n_items`` becomes ``<NA>`` when a key is rolled away.

    Distinct item counts add up across item shards, not across other keys (an item holding two
    classes would count twice when classes are rolled up).
    """
    value_columns = _statistic_columns(stats)
    stats_keys = {c for c in stats.columns if c not in value_columns}
    merged = sum_statistics(stats, by, value_columns)
    if stats_keys != set(by):
        merged["n_items"] = pd.array([pd.NA] * len(merged), dtype="Int64")
    return merged


def merge_gold_statistics(
    parts: Sequence[pd.DataFrame], by: str | Sequence[str] | None = ("annotator_id",)
) -> pd.DataFrame:
    """Sum statistics frames of disjoint item shards (or roll them up to a coarser ``by``).

    Counts, IoU sums and histogram bins add up exactly; ``n_items`` only while ``by`` keeps
    every key of the parts (it is ``<NA>`` after a roll-up).
    """
    if not parts:
        raise ValueError("parts: expected at least one statistics frame")
    return _sum_gold_statistics(pd.concat(list(parts), ignore_index=True), normalize_by(by))


def summarize_gold_statistics(
    stats: pd.DataFrame, by: str | Sequence[str] | None = ("annotator_id",)
) -> pd.DataFrame:
    """Turn (merged) statistics into the :func:`score_comparison` columns.

    Counts and ``mean_iou`` are exact; ``median_iou`` and ``p10_iou`` are read off the histogram
    (error below one bin width); ``n_items`` is ``<NA>`` when ``by`` drops a key of ``stats``.
    """
    keys = normalize_by(by)
    merged = _sum_gold_statistics(stats, keys)
    tp = merged["tp"].to_numpy(dtype=np.int64)
    fp = merged["fp"].to_numpy(dtype=np.int64)
    fn = merged["fn"].to_numpy(dtype=np.int64)
    histogram = merged[[c for c in merged.columns if c.startswith("iou_bin_")]].to_numpy()
    return merged[list(keys)].assign(
        n_items=merged["n_items"].to_numpy(),
        tp=tp,
        fp=fp,
        fn=fn,
        **_rate_columns(tp, fp, fn),
        mean_iou=safe_ratio(merged["iou_sum"].to_numpy(), tp),
        median_iou=nullable_float(histogram_quantile(histogram, 0.5)),
        p10_iou=nullable_float(histogram_quantile(histogram, 0.1)),
    )
