"""Finalize: merged :class:`ShardStats` -> :class:`QualityReport` (JSON-ready, no NaN).

Definitions (see :mod:`labelqc.report.compute` for the counting rules):

- precision = TP / (TP + FP), recall = TP / (TP + FN), accuracy = TP / (TP + FP + FN) (CVAT's
  valid / (valid + missing + extra), a class swap counting as one FP and one FN);
- IoU mean and size bias mean/variance (ddof=1) over TPs, from exact fixed-point sums; IoU
  median, p10 and p90 are read off the IoU histogram (``iou_bins`` equal bins of [0, 1],
  linear inside a bin, so within one bin width of the exact quantile) so they merge exactly;
- per-class IoU distribution flags: ``median_below_sla`` / ``p10_below_sla`` compare the
  histogram quantiles with the class's ``iou_sla``; ``share_below_sla`` is exact;
- missing rate = misses / gold instances per density bucket (gold objects on the item);
- Krippendorff's alpha (nominal) over class labels of matched objects (:mod:`.iaa`); per class,
  alpha of the one-vs-rest collapse of the same coincidence matrix.

Undefined values are None, with a ``reason`` where one applies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.agreement.alpha import CoincidenceMatrix, alpha_from_coincidences
from labelqc.agreement.results import UndefinedAgreement
from labelqc.geometry import thresholds_for_classes
from labelqc.quality import bucket_label, histogram_quantile, iou_bin_columns
from labelqc.report.params import ReportParams
from labelqc.report.stats import FIXED_POINT_BITS, FIXED_POINT_SCALE, ShardMergeError, ShardStats
from labelqc.report.time_sections import class_mix_section, drift_section

SCORE_KINDS = ("overall", "annotator", "cohort", "class")
UNMATCHED_LABEL = "unmatched"


@dataclass(frozen=True)
class QualityReport:
    """The quality report; every field is JSON-ready (plain ints, floats, strings, None).

    ``params``: the parameters; ``totals``: counts; ``scores``: per kind (overall, annotator,
    cohort, class) rows of golden-set scores; ``confusion``: class confusion matrix with an
    ``unmatched`` row/column; ``missing_by_density``: per kind rows per density bucket;
    ``class_iou``: per gold class IoU distribution with SLA flags; ``agreement``: alpha overall
    and per class; ``drift``: charts and first signals per entity and metric; ``class_mix``:
    PSI of the class mix between the first and last windows.
    """

    params: dict[str, Any]
    totals: dict[str, int]
    scores: dict[str, list[dict[str, Any]]]
    confusion: dict[str, Any]
    missing_by_density: dict[str, list[dict[str, Any]]]
    class_iou: list[dict[str, Any]]
    agreement: dict[str, Any]
    drift: dict[str, Any]
    class_mix: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """The report as one dict (``json.dumps(..., allow_nan=False)`` accepts it)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator > 0 else None


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _mean_var(n: int, total: int, squares: int) -> tuple[float | None, float | None]:
    """Mean and ddof=1 variance from fixed-point sums, exactly in integers before one division."""
    if n <= 0:
        return None, None
    mean = total / (n * FIXED_POINT_SCALE)
    if n < 2:
        return mean, None
    # var = (n Q 2^b - S^2) / (n (n - 1) 2^(2b)) with Q, S in units of 2^-b.
    numerator = n * squares * (1 << FIXED_POINT_BITS) - total * total
    return mean, max(numerator, 0) / (n * (n - 1) * float(1 << (2 * FIXED_POINT_BITS)))


def _score_rows(scores: pd.DataFrame, kind: str, bins: int) -> list[dict[str, Any]]:
    rows = scores[scores["kind"] == kind]
    histogram = rows[iou_bin_columns(bins)].to_numpy(dtype=np.int64)
    quantiles = {q: histogram_quantile(histogram, q) for q in (0.1, 0.5, 0.9)} if len(rows) else {}
    out = []
    for position, row in enumerate(rows.itertuples(index=False)):
        tp, fp, fn = int(row.tp), int(row.fp), int(row.fn)
        iou_mean, iou_var = _mean_var(tp, int(row.iou_sum), int(row.iou_sq))
        size_mean, size_var = _mean_var(tp, int(row.size_sum), int(row.size_sq))
        out.append(
            {
                "entity": int(row.entity),
                "n_items": int(row.n_items),
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "class_swaps": int(row.swaps),
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
                "accuracy": _ratio(tp, tp + fp + fn),
                "iou_mean": iou_mean,
                "iou_var": iou_var,
                "iou_median": _number(quantiles[0.5][position]),
                "iou_p10": _number(quantiles[0.1][position]),
                "iou_p90": _number(quantiles[0.9][position]),
                "size_bias_mean": size_mean,
                "size_bias_var": size_var,
            }
        )
    return out


def _has_sla(params: ReportParams, class_id: int) -> bool:
    return not isinstance(params.iou_sla, Mapping) or class_id in params.iou_sla


def _class_iou(
    scores: pd.DataFrame, class_rows: list[dict[str, Any]], params: ReportParams
) -> list[dict[str, Any]]:
    """Per class: the IoU figures of its score row, the histogram and the SLA flags."""
    rows = scores[scores["kind"] == "class"]
    histogram = rows[iou_bin_columns(params.iou_bins)].to_numpy(dtype=np.int64)
    below = rows["below_sla"].to_numpy(dtype=np.int64)
    out = []
    for position, score in enumerate(class_rows):
        class_id = score["entity"]
        # A class only ever drawn (never in gold) has no pair and maybe no SLA: flags are None.
        target = (
            float(thresholds_for_classes(params.iou_sla, [class_id])[0])
            if _has_sla(params, class_id)
            else None
        )
        median, low = score["iou_median"], score["iou_p10"]
        out.append(
            {
                "class_id": class_id,
                "iou_sla": target,
                "n_pairs": score["tp"],
                "iou_mean": score["iou_mean"],
                "iou_median": median,
                "iou_p10": low,
                "iou_p90": score["iou_p90"],
                "share_below_sla": _ratio(int(below[position]), score["tp"]),
                "median_below_sla": None if median is None or target is None else median < target,
                "p10_below_sla": None if low is None or target is None else low < target,
                "histogram": [int(v) for v in histogram[position]],
            }
        )
    return out


def _confusion(table: pd.DataFrame) -> dict[str, Any]:
    gold, ann = table["gold_class"].to_numpy(), table["ann_class"].to_numpy()
    classes = sorted({int(c) for c in np.r_[gold, ann] if c >= 0})
    labels: list[int | str] = [*classes, UNMATCHED_LABEL]
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for g, a, count in zip(gold.tolist(), ann.tolist(), table["count"].tolist(), strict=True):
        matrix[index.get(g, len(classes)), index.get(a, len(classes))] += count
    return {
        "labels": labels,
        "rows": "gold class",
        "columns": "annotated class",
        "matrix": matrix.tolist(),
    }


def _missing(table: pd.DataFrame, params: ReportParams) -> dict[str, list[dict[str, Any]]]:
    section: dict[str, list[dict[str, Any]]] = {}
    for kind in ("overall", "annotator", "cohort"):
        rows = table[table["kind"] == kind]
        if kind == "overall":
            present = {int(r.bucket): r for r in rows.itertuples(index=False)}
            cells = [(0, b, present.get(b)) for b in range(len(params.density_buckets))]
        else:
            cells = [(int(r.entity), int(r.bucket), r) for r in rows.itertuples(index=False)]
        section[kind] = [
            {
                "entity": entity,
                "density_bucket": bucket_label(params.density_buckets[bucket]),
                "density_min": int(params.density_buckets[bucket][0]),
                "n_items": int(row.n_items) if row is not None else 0,
                "n_instances": int(row.n_instances) if row is not None else 0,
                "n_missed": int(row.n_missed) if row is not None else 0,
                "missing_rate": _ratio(int(row.n_missed), int(row.n_instances))
                if row is not None
                else None,
            }
            for entity, bucket, row in cells
        ]
    return section


def _alpha(matrix: np.ndarray, values: np.ndarray) -> tuple[float | None, str | None]:
    try:
        return alpha_from_coincidences(CoincidenceMatrix(matrix, values), level="nominal"), None
    except UndefinedAgreement as undefined:
        return None, undefined.reason


def _agreement(coincidence: pd.DataFrame, units: pd.DataFrame) -> dict[str, Any]:
    n_units = int(units["units"].sum()) if len(units) else 0
    if coincidence.empty:
        reason = "no object was drawn by two or more annotators (nothing is pairable)"
        return {
            "level": "nominal",
            "alpha": None,
            "reason": reason,
            "n_units": 0,
            "n_pairable_values": 0.0,
            "per_class": [],
        }
    values = np.unique(np.r_[coincidence["first"], coincidence["second"]]).astype(np.int64)
    position = {int(v): i for i, v in enumerate(values)}
    matrix = np.zeros((values.size, values.size))
    # o = sum_m S_m / (m - 1): one division per unit size, in a fixed (sorted) order.
    for m, rows in coincidence.groupby("m", sort=True):
        part = np.zeros_like(matrix)
        for first, second, count in zip(rows["first"], rows["second"], rows["count"], strict=True):
            part[position[int(first)], position[int(second)]] += count
        matrix += part / (int(m) - 1)
    alpha, reason = _alpha(matrix, values)
    total = matrix.sum()
    per_class = []
    for index, value in enumerate(values.tolist()):
        # One-vs-rest: collapse every other class into "other".
        same = matrix[index, index]
        row = matrix[index].sum()
        binary = np.array([[same, row - same], [row - same, total - 2 * row + same]])
        class_alpha, class_reason = _alpha(binary, np.array([1, 0]))
        per_class.append(
            {
                "class_id": int(value),
                "alpha": class_alpha,
                "reason": class_reason,
                "n_pairable_values": float(row),
            }
        )
    return {
        "level": "nominal",
        "alpha": alpha,
        "reason": reason,
        "n_units": n_units,
        "n_pairable_values": float(total),
        "per_class": per_class,
    }


def finalize(stats: ShardStats, params: ReportParams | None = None) -> QualityReport:
    """Turn (merged) shard statistics into the :class:`QualityReport`.

    ``params`` must carry the shard-level parameters the statistics were computed with (the
    fingerprint is checked); the chart parameters may differ.
    """
    params = params or ReportParams()
    if stats.fingerprint != params.fingerprint:
        raise ShardMergeError(
            "params: shard-level parameters differ from those the statistics were computed with: "
            f"{params.fingerprint} vs {stats.fingerprint}"
        )
    scores = stats.table("scores")
    totals = {str(r.name): int(r.count) for r in stats.table("totals").itertuples(index=False)}
    score_rows = {kind: _score_rows(scores, kind, params.iou_bins) for kind in SCORE_KINDS}
    return QualityReport(
        params=params.to_dict(),
        totals=totals,
        scores=score_rows,
        confusion=_confusion(stats.table("confusion")),
        missing_by_density=_missing(stats.table("missing"), params),
        class_iou=_class_iou(scores, score_rows["class"], params),
        agreement=_agreement(stats.table("coincidence"), stats.table("iaa_units")),
        drift=drift_section(stats.table("drift"), params),
        class_mix=class_mix_section(stats.table("class_mix")),
    )
