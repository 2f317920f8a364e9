"""Inputs of the quality report: the frames of one shard and the report parameters.

A shard is a contiguous range of item ids with every row that refers to those items (gold,
annotations, assignments), so every statistic that is a per-item sum splits exactly.
:func:`shard_frames` cuts a project that way; the service does the same with item-range queries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from labelqc.drift.series import SeriesInputError, check_window
from labelqc.geometry import IouThreshold, thresholds_for_classes
from labelqc.quality import DEFAULT_DENSITY_BUCKETS
from labelqc.quality.missing import DensityBucket

DEFAULT_REPORT_IOU_BINS = 100
DEFAULT_IOU_SLA = 0.75


class ReportInputError(ValueError):
    """Report frames or parameters are missing a column or hold a bad value."""


def _threshold_for_json(value: IouThreshold) -> float | dict[str, float]:
    if isinstance(value, Mapping):
        return {str(int(k)): float(v) for k, v in sorted(value.items())}
    return float(value)


def _threshold_from_json(value: Any) -> IouThreshold:
    if isinstance(value, Mapping):
        return {int(k): float(v) for k, v in value.items()}
    return float(value)


@dataclass(frozen=True)
class ReportParams:
    """Parameters of the quality report.

    Shard-level (must be equal for every shard that is merged; they form ``fingerprint``):
      ``iou_threshold``: matching threshold, a float or ``{class_id: float}`` keyed by the gold
      object's class (pairs need ``iou >= threshold``); ``iou_sla``: the per-class IoU target the
      IoU distributions are flagged against (float or mapping covering the gold classes);
      ``iaa_iou_threshold``: IoU that pairs two annotators' boxes for agreement; ``iou_bins``:
      equal bins of [0, 1] for IoU histograms; ``density_buckets``: inclusive ``(low, high)``
      ranges of gold objects per item (``high=None`` open); ``window``: fixed pandas frequency
      of the drift windows (``"1D"``, ``"6h"``).
    Finalize-level (charts): ``baseline_windows``, ``ewma_lambda``, ``sigma_multiple``,
      ``cusum_k``, ``cusum_h`` (see :mod:`labelqc.drift`), ``include_series`` (per-window
      values in the drift section).
    ``max_items_per_chunk`` bounds memory inside one shard; it never changes a result.
    """

    iou_threshold: IouThreshold = 0.5
    iou_sla: IouThreshold = DEFAULT_IOU_SLA
    iaa_iou_threshold: float = 0.5
    iou_bins: int = DEFAULT_REPORT_IOU_BINS
    density_buckets: tuple[DensityBucket, ...] = DEFAULT_DENSITY_BUCKETS
    window: str = "1D"
    baseline_windows: int = 7
    ewma_lambda: float = 0.2
    sigma_multiple: float = 3.0
    cusum_k: float = 0.5
    cusum_h: float = 5.0
    include_series: bool = True
    max_items_per_chunk: int = 50_000

    def __post_init__(self) -> None:
        for name in ("iou_threshold", "iou_sla"):
            value = getattr(self, name)
            try:
                thresholds_for_classes(
                    value, np.asarray(list(value) if isinstance(value, Mapping) else [])
                )
            except ValueError as error:
                raise ReportInputError(f"{name}: {error}") from error
        if not 0.0 < float(self.iaa_iou_threshold) <= 1.0:
            raise ReportInputError(
                f"iaa_iou_threshold: must be in (0, 1], got {self.iaa_iou_threshold!r}"
            )
        if (
            isinstance(self.iou_bins, bool)
            or not isinstance(self.iou_bins, int)
            or self.iou_bins < 1
        ):
            raise ReportInputError(f"iou_bins: expected an int >= 1, got {self.iou_bins!r}")
        previous_high = 0
        for index, bucket in enumerate(self.density_buckets):
            low, high = bucket
            if int(low) <= previous_high or (high is not None and int(high) < int(low)):
                raise ReportInputError(
                    f"density_buckets[{index}]: expected ascending, non-overlapping (low, high) "
                    f"with 1 <= low <= high, got {bucket!r}"
                )
            if high is None and index != len(self.density_buckets) - 1:
                raise ReportInputError(f"density_buckets[{index}]: only the last may be open")
            previous_high = int(high) if high is not None else np.iinfo(np.int64).max
        if not self.density_buckets:
            raise ReportInputError("density_buckets: expected at least one bucket")
        try:
            check_window(self.window)
        except SeriesInputError as error:
            raise ReportInputError(f"window: {self.window!r} is not a fixed frequency") from error
        chart_checks = (
            (
                "baseline_windows",
                isinstance(self.baseline_windows, int) and self.baseline_windows >= 1,
            ),
            ("ewma_lambda", 0.0 < self.ewma_lambda <= 1.0),
            ("sigma_multiple", self.sigma_multiple > 0),
            ("cusum_k", self.cusum_k >= 0),
            ("cusum_h", self.cusum_h > 0),
        )
        for name, valid in chart_checks:
            if not valid:
                raise ReportInputError(f"{name}: invalid value {getattr(self, name)!r}")
        if self.max_items_per_chunk < 1:
            raise ReportInputError("max_items_per_chunk: expected >= 1")

    @property
    def fingerprint(self) -> str:
        """The shard-level parameters as a canonical JSON string (shards must agree on it)."""
        shard_level = {
            "iou_threshold": _threshold_for_json(self.iou_threshold),
            "iou_sla": _threshold_for_json(self.iou_sla),
            "iaa_iou_threshold": float(self.iaa_iou_threshold),
            "iou_bins": self.iou_bins,
            "density_buckets": [list(b) for b in self.density_buckets],
            "window": self.window,
        }
        return json.dumps(shard_level, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (mapping keys become strings); inverse of :meth:`from_dict`."""
        data = asdict(self)
        data["iou_threshold"] = _threshold_for_json(self.iou_threshold)
        data["iou_sla"] = _threshold_for_json(self.iou_sla)
        data["density_buckets"] = [list(b) for b in self.density_buckets]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportParams:
        """Rebuild parameters from :meth:`to_dict` output (e.g. a Celery task argument)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ReportInputError(f"params: unknown field(s) {unknown}")
        values = dict(data)
        for name in ("iou_threshold", "iou_sla"):
            if name in values:
                values[name] = _threshold_from_json(values[name])
        if "density_buckets" in values:
            values["density_buckets"] = tuple(
                (int(low), None if high is None else int(high))
                for low, high in values["density_buckets"]
            )
        return cls(**values)


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ReportInputError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportInputError(f"{name}: missing required column(s) {missing}")


@dataclass(frozen=True)
class ReportFrames:
    """The rows of one shard (or of the whole project).

    ``items``: ``item_id`` (+ optional ``is_gold`` bool: gold items that may hold no gold
    object); ``gold``: canonical gold frame; ``annotations``: canonical annotations with
    optional ``created_at`` (tz-aware UTC, needed for drift and class mix) and ``cohort_id``;
    ``assignments``: optional ``item_id, annotator_id`` (+ ``cohort_id``, ``created_at``) of
    submissions to grade even when they hold no box.
    """

    items: pd.DataFrame
    gold: pd.DataFrame
    annotations: pd.DataFrame
    assignments: pd.DataFrame | None = field(default=None)

    def __post_init__(self) -> None:
        _require(self.items, ("item_id",), "items")
        _require(self.gold, ("item_id", "class_id", "x", "y", "w", "h"), "gold")
        _require(
            self.annotations,
            ("item_id", "annotator_id", "class_id", "x", "y", "w", "h"),
            "annotations",
        )
        if self.assignments is not None:
            _require(self.assignments, ("item_id", "annotator_id"), "assignments")
        if not self.items["item_id"].is_unique:
            duplicated = self.items["item_id"][self.items["item_id"].duplicated()].iloc[0]
            raise ReportInputError(f"items.item_id: item {duplicated} appears twice")
        known = self.items["item_id"].to_numpy()
        for name, frame in (
            ("gold", self.gold),
            ("annotations", self.annotations),
            ("assignments", self.assignments),
        ):
            if frame is None or frame.empty:
                continue
            unknown = ~np.isin(frame["item_id"].to_numpy(), known)
            if unknown.any():
                row = frame.index[int(np.flatnonzero(unknown)[0])]
                raise ReportInputError(
                    f"{name}.item_id: row {row!r} refers to item "
                    f"{frame['item_id'].loc[row]}, which is not in items"
                )


def _item_slice(frame: pd.DataFrame | None, low: int, high: int) -> pd.DataFrame | None:
    if frame is None:
        return None
    ids = frame["item_id"].to_numpy()
    return frame[(ids >= low) & (ids <= high)]


def shard_frames(frames: ReportFrames, n_shards: int) -> list[ReportFrames]:
    """Split a project into ``n_shards`` contiguous item-id ranges of near-equal item counts.

    Every row of gold, annotations and assignments goes to the shard of its item; shards with
    no item are dropped.
    """
    if n_shards < 1:
        raise ReportInputError(f"n_shards: expected >= 1, got {n_shards}")
    item_ids = np.sort(frames.items["item_id"].to_numpy())
    shards: list[ReportFrames] = []
    for part in np.array_split(item_ids, n_shards):
        if part.size == 0:
            continue
        low, high = int(part[0]), int(part[-1])
        items = _item_slice(frames.items, low, high)
        gold = _item_slice(frames.gold, low, high)
        annotations = _item_slice(frames.annotations, low, high)
        assert items is not None and gold is not None and annotations is not None
        shards.append(
            ReportFrames(items, gold, annotations, _item_slice(frames.assignments, low, high))
        )
    return shards
