"""Annotator bias and variance on matched pairs: box size bias, IoU spread, attribute agreement.

- size bias of a pair = ``log(area_annotation / area_gold)``: positive when the annotator draws
  loose (too large) boxes, negative when tight; reported as mean and sample variance (ddof=1).
- IoU mean and sample variance over the same pairs (a high variance is an inconsistent annotator).
- attribute agreement = share of matched pairs whose annotation and gold carry the same value of
  a flag such as ``occluded`` or ``truncated`` (pairs where either side is missing are left out).

Undefined values (no pair, a variance of fewer than two pairs) are ``<NA>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from labelqc.geometry import FrameValidationError
from labelqc.geometry.frames import box_array
from labelqc.quality.comparison import GoldComparison
from labelqc.quality.dimensions import matched_pair_frame
from labelqc.quality.records import nullable_float, safe_ratio
from labelqc.quality.statistics import grouped_mean_var

DEFAULT_ATTRIBUTES = ("occluded", "truncated")


def _areas(frame: pd.DataFrame, name: str, source: Literal["box", "area"]) -> np.ndarray:
    if source == "box":
        boxes = box_array(frame, name)
        return boxes[:, 2] * boxes[:, 3]
    if "area" not in frame.columns:
        raise FrameValidationError(f"{name}: missing required column(s) ['area']")
    return frame["area"].to_numpy(dtype=np.float64, na_value=np.nan)


def size_bias(
    comparison: GoldComparison,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
    area_source: Literal["box", "area"] = "box",
) -> pd.DataFrame:
    """Signed size bias and IoU spread of matched pairs per ``by`` group.

    ``area_source``: ``"box"`` uses ``w * h``, ``"area"`` the frames' ``area`` column (e.g. mask
    pixels; must be positive on matched rows).  Columns: keys, ``n_pairs`` (int64),
    ``size_bias_mean``, ``size_bias_var``, ``iou_mean``, ``iou_var`` (Float64).
    """
    if area_source not in ("box", "area"):
        raise ValueError(f"area_source: expected 'box' or 'area', got {area_source!r}")
    frame, codes, key_table = matched_pair_frame(comparison, by, window)
    gold_area = _areas(comparison.gold, "gold", area_source)[frame["gold_row"].to_numpy()]
    ann_area = _areas(comparison.annotations, "annotations", area_source)[
        frame["ann_row"].to_numpy()
    ]
    positive = (gold_area > 0) & (ann_area > 0)
    if not positive.all():
        bad = int(np.flatnonzero(~positive)[0])
        raise FrameValidationError(
            f"{area_source}: matched pair (gold row {int(frame['gold_row'].iloc[bad])}, annotation "
            f"row {int(frame['ann_row'].iloc[bad])}) has a non-positive or missing area"
        )
    log_ratio = np.log(ann_area / gold_area)
    n_groups = len(key_table)
    counts, bias_mean, bias_var = grouped_mean_var(codes, log_ratio, n_groups)
    _, iou_mean, iou_var = grouped_mean_var(codes, frame["iou"].to_numpy(), n_groups)
    return key_table.assign(
        n_pairs=counts.astype(np.int64),
        size_bias_mean=nullable_float(bias_mean),
        size_bias_var=nullable_float(bias_var),
        iou_mean=nullable_float(iou_mean),
        iou_var=nullable_float(iou_var),
    )


def _flag_values(frame: pd.DataFrame, attribute: str, name: str) -> pd.arrays.BooleanArray:
    if attribute not in frame.columns:
        raise FrameValidationError(f"{name}: missing attribute column {attribute!r}")
    try:
        return pd.array(frame[attribute].to_numpy(dtype=object), dtype="boolean")
    except (TypeError, ValueError) as error:
        raise FrameValidationError(
            f"{name}.{attribute}: expected booleans (or missing values): {error}"
        ) from error


def attribute_agreement(
    comparison: GoldComparison,
    attributes: Sequence[str] | None = None,
    by: str | Sequence[str] | None = ("annotator_id",),
    *,
    window: str | None = None,
) -> pd.DataFrame:
    """Share of matched pairs whose annotation and gold agree on each boolean attribute.

    ``attributes`` defaults to those of ``occluded`` / ``truncated`` present in both frames; a
    named attribute absent from either frame raises FrameValidationError.  Columns: keys, then per
    attribute ``{attribute}_n`` (pairs with both values known, int64) and
    ``{attribute}_agreement`` (Float64).
    """
    if attributes is None:
        names = [
            a
            for a in DEFAULT_ATTRIBUTES
            if a in comparison.gold.columns and a in comparison.annotations.columns
        ]
    else:
        names = list(attributes)
    frame, codes, key_table = matched_pair_frame(comparison, by, window)
    n_groups = len(key_table)
    columns: dict[str, object] = {}
    for attribute in names:
        gold_values = _flag_values(comparison.gold, attribute, "gold")
        ann_values = _flag_values(comparison.annotations, attribute, "annotations")
        gold_pairs = gold_values[frame["gold_row"].to_numpy()]
        ann_pairs = ann_values[frame["ann_row"].to_numpy()]
        known = ~(gold_pairs.isna() | ann_pairs.isna())
        same = known & (gold_pairs.fillna(False) == ann_pairs.fillna(False)).to_numpy(dtype=bool)
        n_known = np.bincount(codes, weights=known.astype(np.float64), minlength=n_groups)
        n_same = np.bincount(codes, weights=same.astype(np.float64), minlength=n_groups)
        columns[f"{attribute}_n"] = n_known.astype(np.int64)
        columns[f"{attribute}_agreement"] = safe_ratio(n_same, n_known)
    return key_table.assign(**columns)
