"""Shard computation: frames of a range of items -> :class:`ShardStats` count tables.

Gold scoring uses one class-agnostic matching per (item, annotator) submission at the per-class
``iou_threshold`` (:func:`labelqc.quality.compare_to_gold`, CVAT's convention): a matched pair of
the same class is a TP; a matched pair of different classes is a class swap, counted as an FP of
the drawn class and an FN of the gold class (and in the confusion matrix); an unmatched
annotation is an FP, an unmatched gold object an FN and a *miss* (missing rate). IoU and size
bias statistics are over TPs; size bias = ``log(area_annotation / area_gold)`` as in
:func:`labelqc.quality.size_bias`. On crowded scenes this can differ from class-aware matching
on a few boxes (a class-aware matcher may pair a gold object with another same-class box).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from labelqc.geometry import IouThreshold, thresholds_for_classes
from labelqc.quality import GoldComparison, compare_to_gold, iou_bin_columns
from labelqc.quality.statistics import iou_bin_index
from labelqc.report.iaa import coincidence_tables
from labelqc.report.params import ReportFrames, ReportInputError, ReportParams, shard_frames
from labelqc.report.stats import (
    SIZE_BIAS_CLIP,
    ShardStats,
    empty_table,
    factorize_keys,
    merge,
    sum_by_code,
    to_fixed,
)

SCORE_VALUES = ("tp", "fp", "fn", "swaps", "iou_sum", "iou_sq", "size_sum", "size_sq", "below_sla")
DRIFT_VALUES = ("n_gold", "n_correct", "iou_sum", "iou_sq", "size_sum", "size_sq")
MISSING_VALUES = ("n_instances", "n_missed")
NO_CLASS = -1


def _grouped(
    keys: dict[str, np.ndarray],
    values: np.ndarray,
    value_names: tuple[str, ...],
    item_ids: np.ndarray | None = None,
    kind: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Exact per-key sums of ``values`` (N, C), optional distinct-item counts; and row codes.

    ``kind`` adds a constant ``kind`` key column after grouping (cheaper than grouping by it).
    """
    codes, table = factorize_keys(keys)
    if kind is not None:
        table.insert(0, "kind", pd.Series([kind] * len(table), dtype=object))
    n_keys = len(table)
    sums = sum_by_code(codes, values, n_keys)
    if item_ids is not None:
        item_codes, item_uniques = pd.factorize(item_ids)
        n_item_codes = max(len(item_uniques), 1)
        distinct_pairs = pd.unique(codes * n_item_codes + item_codes)
        table["n_items"] = np.bincount(distinct_pairs // n_item_codes, minlength=n_keys).astype(
            np.int64
        )
    for index, name in enumerate(value_names):
        table[name] = sums[:, index]
    return table, codes


def _thresholds(value: IouThreshold, classes: np.ndarray, name: str) -> np.ndarray:
    try:
        return thresholds_for_classes(value, classes)
    except ValueError as error:
        raise ReportInputError(f"{name}: {error}") from error


def _window_starts(created_at: pd.Series, window: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(has a time, window start in UTC epoch ns) per row; windows are epoch-aligned, as
    ``Series.dt.floor(window)`` on UTC times."""
    if created_at.empty:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    if not isinstance(created_at.dtype, pd.DatetimeTZDtype):
        raise ReportInputError(
            f"{where}: expected tz-aware datetimes (datetime64[ns, UTC]), got {created_at.dtype}"
        )
    valid = created_at.notna().to_numpy()
    nanos = created_at.dt.tz_convert("UTC").dt.as_unit("ns").array.asi8
    step = pd.Timedelta(to_offset(window)).value
    return valid, np.where(valid, nanos - nanos % step, 0)


def _submission_dimensions(
    comparison: GoldComparison, params: ReportParams
) -> dict[str, np.ndarray]:
    """Per graded submission: annotator, item, cohort (+ whether it has one) and window start
    (UTC epoch ns, + whether it has a time)."""
    submissions = comparison.submissions
    dims = {
        "annotator": submissions["annotator_id"].to_numpy(dtype=np.int64),
        "item": submissions["item_id"].to_numpy(dtype=np.int64),
    }
    cohort = pd.to_numeric(submissions.get("cohort_id", pd.Series(np.nan, index=submissions.index)))
    dims["cohort_valid"] = cohort.notna().to_numpy()
    dims["cohort"] = cohort.fillna(-1).to_numpy(dtype=np.int64)
    if "created_at" in submissions.columns:
        dims["window_valid"], dims["window"] = _window_starts(
            submissions["created_at"], params.window, "annotations.created_at"
        )
    else:
        dims["window_valid"] = np.zeros(len(submissions), dtype=bool)
        dims["window"] = np.zeros(len(submissions), dtype=np.int64)
    return dims


def _events(frames: ReportFrames, comparison: GoldComparison, params: ReportParams) -> pd.DataFrame:
    """One row per outcome: TP, FP (extra or swapped-to class) and FN (miss or swapped-from)."""
    match = comparison.match
    pairs, extra, missed = match.pairs, match.unmatched_ann, match.unmatched_gold
    gold_class = pairs["gold_class_id"].to_numpy(dtype=np.int64)
    ann_class = pairs["ann_class_id"].to_numpy(dtype=np.int64)
    same = gold_class == ann_class
    tp, swap = pairs[same], pairs[~same]
    gold_wh = frames.gold[["w", "h"]].to_numpy(dtype=np.float64)
    ann_wh = frames.annotations[["w", "h"]].to_numpy(dtype=np.float64)
    gold_area = np.prod(gold_wh[tp["gold_row"].to_numpy()], axis=1)
    ann_area = np.prod(ann_wh[tp["ann_row"].to_numpy()], axis=1)
    # Matched boxes overlap (IoU > 0), so both areas are positive.
    size_bias = np.clip(np.log(ann_area / gold_area), -SIZE_BIAS_CLIP, SIZE_BIAS_CLIP)
    iou = tp["iou"].to_numpy(dtype=np.float64)
    tp_class = gold_class[same]
    n_tp, n_swap, n_extra, n_missed = len(tp), len(swap), len(extra), len(missed)
    n_fp, n_fn = n_extra + n_swap, n_missed + n_swap
    zeros = np.zeros(n_fp + n_fn, dtype=np.int64)
    kind = np.repeat(np.arange(3), [n_tp, n_fp, n_fn])
    return pd.DataFrame(
        {
            "group": np.concatenate(
                [tp["group"], extra["group"], swap["group"], missed["group"], swap["group"]]
            ).astype(np.int64),
            "item_id": np.concatenate(
                [
                    tp["item_id"],
                    extra["item_id"],
                    swap["item_id"],
                    missed["item_id"],
                    swap["item_id"],
                ]
            ).astype(np.int64),
            "class_id": np.concatenate(
                [
                    tp_class,
                    extra["class_id"],
                    ann_class[~same],
                    missed["class_id"],
                    gold_class[~same],
                ]
            ).astype(np.int64),
            "tp": (kind == 0).astype(np.int64),
            "fp": (kind == 1).astype(np.int64),
            "fn": (kind == 2).astype(np.int64),
            "swaps": np.r_[np.zeros(n_tp + n_fp + n_missed, np.int64), np.ones(n_swap, np.int64)],
            "iou_sum": np.r_[to_fixed(iou), zeros],
            "iou_sq": np.r_[to_fixed(iou * iou), zeros],
            "size_sum": np.r_[to_fixed(size_bias), zeros],
            "size_sq": np.r_[to_fixed(size_bias * size_bias), zeros],
            "below_sla": np.r_[
                (iou < _thresholds(params.iou_sla, tp_class, "iou_sla")).astype(np.int64), zeros
            ],
            "bin": np.r_[iou_bin_index(iou, params.iou_bins), zeros - 1],
        }
    )


def _with_histogram(
    table: pd.DataFrame, codes: np.ndarray, bins: np.ndarray, n_bins: int
) -> pd.DataFrame:
    """Append per-key IoU histogram columns; ``codes``/``bins`` per event, -1 = not counted."""
    present = (codes >= 0) & (bins >= 0)
    flat = codes[present] * n_bins + bins[present]
    counts = np.bincount(flat, minlength=len(table) * n_bins).reshape(len(table), n_bins)
    histogram = pd.DataFrame(counts.astype(np.int64), columns=iou_bin_columns(n_bins))
    return pd.concat([table.reset_index(drop=True), histogram], axis=1)


def _score_and_drift_tables(
    events: pd.DataFrame, dims: dict[str, np.ndarray], params: ReportParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and drift counts per kind.

    Annotator, cohort and overall are constant within a submission, so events are first summed
    per submission (one pass) and those sums rolled up; classes vary within a submission and are
    summed from the events.
    """
    group = events["group"].to_numpy()
    values = events[list(SCORE_VALUES)].to_numpy(dtype=np.int64)
    bins = events["bin"].to_numpy()
    n_groups = dims["annotator"].size
    group_sums = sum_by_code(group, values, n_groups)
    tp, fn = group_sums[:, 0], group_sums[:, 2]
    group_drift = np.column_stack([tp + fn, tp, group_sums[:, 4:8]])
    has_event = np.bincount(group, minlength=n_groups) > 0
    scores, drift = [], []
    for kind, entity, valid in (
        ("overall", np.zeros(n_groups, dtype=np.int64), np.ones(n_groups, dtype=bool)),
        ("annotator", dims["annotator"], np.ones(n_groups, dtype=bool)),
        ("cohort", dims["cohort"], dims["cohort_valid"]),
    ):
        keep = valid & has_event
        table, codes = _grouped(
            {"entity": entity[keep]}, group_sums[keep], SCORE_VALUES, dims["item"][keep], kind=kind
        )
        code_of_group = np.full(n_groups, -1, dtype=np.int64)
        code_of_group[keep] = codes
        scores.append(_with_histogram(table, code_of_group[group], bins, params.iou_bins))
        timed = keep & dims["window_valid"] & (tp + fn > 0)
        drift.append(
            _grouped(
                {"entity": entity[timed], "window": dims["window"][timed]},
                group_drift[timed],
                DRIFT_VALUES,
                kind=kind,
            )[0]
        )
    class_id = events["class_id"].to_numpy()
    table, codes = _grouped(
        {"entity": class_id}, values, SCORE_VALUES, events["item_id"].to_numpy(), kind="class"
    )
    scores.append(_with_histogram(table, codes, bins, params.iou_bins))
    gold_side = (values[:, 0] + values[:, 2]) > 0
    timed = gold_side & dims["window_valid"][group]
    event_drift = np.column_stack([gold_side, values[:, 0], values[:, 4:8]]).astype(np.int64)
    drift.append(
        _grouped(
            {"entity": class_id[timed], "window": dims["window"][group][timed]},
            event_drift[timed],
            DRIFT_VALUES,
            kind="class",
        )[0]
    )
    return pd.concat(scores, ignore_index=True), pd.concat(drift, ignore_index=True)


def _missing_table(
    comparison: GoldComparison, dims: dict[str, np.ndarray], params: ReportParams
) -> pd.DataFrame:
    groups = comparison.match.groups
    n_gold = groups["n_gold"].to_numpy(dtype=np.int64)
    missed = np.bincount(
        comparison.match.unmatched_gold["group"].to_numpy(dtype=np.int64),
        minlength=len(groups),
    ).astype(np.int64)
    lows = np.array([low for low, _ in params.density_buckets], dtype=np.int64)
    highs = np.array(
        [np.iinfo(np.int64).max if high is None else high for _, high in params.density_buckets],
        dtype=np.int64,
    )
    bucket = np.searchsorted(lows, n_gold, side="right") - 1
    inside = (bucket >= 0) & (n_gold <= highs[np.maximum(bucket, 0)]) & (n_gold > 0)
    values = np.column_stack([n_gold, missed])[inside]
    item_ids = groups["item_id"].to_numpy(dtype=np.int64)[inside]
    parts = []
    for kind, entity, valid in (
        ("overall", np.zeros(len(groups), dtype=np.int64), np.ones(len(groups), dtype=bool)),
        ("annotator", dims["annotator"], np.ones(len(groups), dtype=bool)),
        ("cohort", dims["cohort"], dims["cohort_valid"]),
    ):
        keep = valid[inside]
        parts.append(
            _grouped(
                {"entity": entity[inside][keep], "bucket": bucket[inside][keep]},
                values[keep],
                MISSING_VALUES,
                item_ids[keep],
                kind=kind,
            )[0]
        )
    return pd.concat(parts, ignore_index=True)


def _confusion_table(comparison: GoldComparison) -> pd.DataFrame:
    match = comparison.match
    gold = np.concatenate(
        [
            match.pairs["gold_class_id"],
            np.full(len(match.unmatched_ann), NO_CLASS),
            match.unmatched_gold["class_id"],
        ]
    ).astype(np.int64)
    ann = np.concatenate(
        [
            match.pairs["ann_class_id"],
            match.unmatched_ann["class_id"],
            np.full(len(match.unmatched_gold), NO_CLASS),
        ]
    ).astype(np.int64)
    return _grouped(
        {"gold_class": gold, "ann_class": ann}, np.ones((gold.size, 1), np.int64), ("count",)
    )[0]


def _class_mix_table(annotations: pd.DataFrame, window: str) -> pd.DataFrame:
    if "created_at" not in annotations.columns or annotations.empty:
        return empty_table("class_mix", ["count"])
    timed, starts = _window_starts(annotations["created_at"], window, "annotations.created_at")
    starts = starts[timed]
    return _grouped(
        {
            "annotator": annotations["annotator_id"].to_numpy(dtype=np.int64)[timed],
            "window": starts,
            "class_id": annotations["class_id"].to_numpy(dtype=np.int64)[timed],
        },
        np.ones((starts.size, 1), np.int64),
        ("count",),
    )[0]


def _gold_items(frames: ReportFrames) -> np.ndarray:
    declared = np.zeros(0, dtype=np.int64)
    if "is_gold" in frames.items.columns:
        flags = frames.items["is_gold"].fillna(False).to_numpy(dtype=bool)
        declared = frames.items["item_id"].to_numpy(dtype=np.int64)[flags]
    return np.union1d(declared, frames.gold["item_id"].to_numpy(dtype=np.int64))


def _compute_chunk(frames: ReportFrames, params: ReportParams) -> ShardStats:
    gold_items = _gold_items(frames)
    comparison = compare_to_gold(
        frames.gold,
        frames.annotations,
        params.iou_threshold,
        class_aware=False,
        assignments=frames.assignments,
        gold_items=gold_items,
    )
    dims = _submission_dimensions(comparison, params)
    events = _events(frames, comparison, params)
    scores, drift = _score_and_drift_tables(events, dims, params)
    coincidence, iaa_units = coincidence_tables(frames.annotations, params.iaa_iou_threshold)
    match = comparison.match
    totals = pd.DataFrame(
        {
            "name": [
                "n_items",
                "n_gold_items",
                "n_gold_objects",
                "n_annotations",
                "n_graded_submissions",
                "n_ungraded_annotations",
                "n_ambiguous_groups",
            ],
            "count": [
                len(frames.items),
                gold_items.size,
                len(frames.gold),
                len(frames.annotations),
                len(match.groups),
                match.n_ungraded_ann,
                match.n_ambiguous_groups,
            ],
        }
    )
    tables = {
        "totals": totals,
        "scores": scores,
        "confusion": _confusion_table(comparison),
        "missing": _missing_table(comparison, dims, params),
        "coincidence": coincidence,
        "iaa_units": iaa_units,
        "drift": drift,
        "class_mix": _class_mix_table(frames.annotations, params.window),
    }
    # Raw tables: compute_shard's merge puts them in canonical form once.
    return ShardStats(params.fingerprint, tables)


def compute_shard(frames: ReportFrames, params: ReportParams | None = None) -> ShardStats:
    """Sufficient statistics of one shard (a range of items and all rows about them).

    Inputs: :class:`ReportFrames` and :class:`ReportParams` (defaults when None). Returns a
    :class:`ShardStats` whose tables add up exactly across shards (:func:`merge`). Internally the
    shard is processed ``params.max_items_per_chunk`` items at a time to bound memory; the result
    does not depend on that size.
    """
    params = params or ReportParams()
    n_items = len(frames.items)
    n_chunks = max(1, math.ceil(n_items / params.max_items_per_chunk))
    chunks = [frames] if n_chunks == 1 else shard_frames(frames, n_chunks)
    return merge(_compute_chunk(chunk, params) for chunk in chunks)
