"""Report sections over time: drift charts per (entity, window) and class-mix PSI.

Drift metrics per entity (annotator, cohort, gold class, and the overall program):
``gold_correct`` (share of graded gold objects labelled correctly, a proportion: p-chart, EWMA,
CUSUM), ``iou`` and ``size_bias`` (means over TPs, continuous: EWMA, CUSUM). Charts and the
baseline rule are those of :func:`labelqc.drift.detect_drift`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from labelqc.drift import EntityDrift, MetricKind, detect_drift, psi, psi_band
from labelqc.report.params import ReportParams
from labelqc.report.stats import FIXED_POINT_SCALE

DRIFT_KINDS = ("overall", "annotator", "cohort", "class")
DRIFT_METRICS: dict[str, tuple[str, str, MetricKind]] = {
    # metric: (count column, sum column, kind); sums of squares sit in "<prefix>_sq".
    "gold_correct": ("n_gold", "n_correct", "proportion"),
    "iou": ("n_correct", "iou_sum", "continuous"),
    "size_bias": ("n_correct", "size_sum", "continuous"),
}


def _iso(value: pd.Timestamp | None) -> str | None:
    return None if value is None else value.isoformat()


def _finite_list(values: np.ndarray | None, start: int, length: int) -> list[float | None]:
    """Values aligned to all windows: None for baseline windows and non-finite entries."""
    out: list[float | None] = [None] * length
    if values is None:
        return out
    for offset, value in enumerate(np.asarray(values, dtype=np.float64).tolist()):
        out[start + offset] = value if np.isfinite(value) else None
    return out


def _series(entity: EntityDrift) -> dict[str, Any]:
    length, start = len(entity.windows), entity.monitoring_start
    pchart, ewma, cusum = entity.p_chart, entity.ewma, entity.cusum
    return {
        "window_start": [w.isoformat() for w in entity.windows],
        "n": [int(v) for v in entity.n.tolist()],
        "value": [float(v) for v in entity.value.tolist()],
        "p_chart_ucl": _finite_list(pchart.ucl if pchart else None, start, length),
        "p_chart_lcl": _finite_list(pchart.lcl if pchart else None, start, length),
        "ewma": _finite_list(ewma.z if ewma else None, start, length),
        "ewma_ucl": _finite_list(ewma.ucl if ewma else None, start, length),
        "ewma_lcl": _finite_list(ewma.lcl if ewma else None, start, length),
        "cusum_upper": _finite_list(cusum.upper if cusum else None, start, length),
        "cusum_lower": _finite_list(cusum.lower if cusum else None, start, length),
    }


def _metric_stats(rows: pd.DataFrame, metric: str) -> pd.DataFrame:
    count_column, sum_column, _ = DRIFT_METRICS[metric]
    n = rows[count_column].to_numpy(dtype=np.int64)
    keep = n > 0
    sums = rows[sum_column].to_numpy(dtype=np.int64)
    if metric == "gold_correct":
        total, squares = sums.astype(np.float64), sums.astype(np.float64)
    else:
        prefix = sum_column.removesuffix("_sum")
        total = sums / FIXED_POINT_SCALE
        squares = rows[f"{prefix}_sq"].to_numpy(dtype=np.int64) / FIXED_POINT_SCALE
    return pd.DataFrame(
        {
            "entity": rows["entity"].to_numpy(dtype=np.int64)[keep],
            "window_start": pd.to_datetime(rows["window"].to_numpy(dtype=np.int64)[keep], utc=True),
            "n": n[keep].astype(np.float64),
            "sum": total[keep],
            "sum_sq": squares[keep],
        }
    )


def drift_section(drift_table: pd.DataFrame, params: ReportParams) -> dict[str, Any]:
    """Per kind and entity: each metric's target, sigma, first signal per chart (ISO window
    start or None), reason when undefined and, with ``params.include_series``, the series and
    limits; plus ``alerts``, every first signal sorted by window."""
    if drift_table.empty:
        return {
            "reason": "no graded submission has a created_at time",
            "entities": {},
            "alerts": [],
        }
    entities: dict[str, list[dict[str, Any]]] = {}
    alerts: list[dict[str, Any]] = []
    for kind in DRIFT_KINDS:
        rows = drift_table[drift_table["kind"] == kind]
        per_entity: dict[int, dict[str, Any]] = {}
        for metric, (_, _, metric_kind) in DRIFT_METRICS.items():
            stats = _metric_stats(rows, metric)
            if stats.empty:
                continue
            results = detect_drift(
                stats,
                metric_kind=metric_kind,
                baseline_windows=params.baseline_windows,
                lam=params.ewma_lambda,
                sigma_multiple=params.sigma_multiple,
                cusum_k=params.cusum_k,
                cusum_h=params.cusum_h,
            )
            for entity_id, result in results.items():
                first = {name: _iso(when) for name, when in result.first_signal.items()}
                entry: dict[str, Any] = {
                    "target": result.target,
                    "sigma": result.sigma,
                    "n_windows": len(result.windows),
                    "monitoring_start": _iso(result.windows[result.monitoring_start])
                    if result.monitoring_start < len(result.windows)
                    else None,
                    "first_signal": first,
                    "reason": result.reason,
                }
                if params.include_series:
                    entry["series"] = _series(result)
                per_entity.setdefault(entity_id, {"entity": entity_id, "metrics": {}})
                per_entity[entity_id]["metrics"][metric] = entry
                alerts.extend(
                    {
                        "kind": kind,
                        "entity": entity_id,
                        "metric": metric,
                        "signal": name,
                        "window_start": when,
                    }
                    for name, when in first.items()
                    if when is not None
                )
        entities[kind] = [per_entity[e] for e in sorted(per_entity)]
    alerts.sort(key=lambda a: (a["window_start"], a["kind"], a["entity"], a["metric"], a["signal"]))
    return {"reason": None, "entities": entities, "alerts": alerts}


def _psi_between(counts: pd.DataFrame) -> dict[str, Any]:
    """PSI of the class mix between the first and the last window of ``counts``."""
    windows = np.sort(counts["window"].unique())
    if windows.size < 2:
        return {
            "first_window": None,
            "last_window": None,
            "psi": None,
            "band": None,
            "reason": f"{windows.size} window(s) with annotations; PSI needs two",
        }
    first, last = windows[0], windows[-1]

    def mix(window: np.int64) -> dict[int, float]:
        part = counts[counts["window"] == window].groupby("class_id")["count"].sum()
        return {int(k): float(v) for k, v in part.items()}

    value = psi(mix(first), mix(last))
    return {
        "first_window": pd.Timestamp(int(first), tz="UTC").isoformat(),
        "last_window": pd.Timestamp(int(last), tz="UTC").isoformat(),
        "psi": value,
        "band": psi_band(value),
        "reason": None,
    }


def class_mix_section(class_mix: pd.DataFrame) -> dict[str, Any]:
    """Class-mix PSI (first vs last window) over all annotations and per annotator."""
    if class_mix.empty:
        return {
            "overall": {
                "first_window": None,
                "last_window": None,
                "psi": None,
                "band": None,
                "reason": "no annotation has a created_at time",
            },
            "annotator": [],
        }
    per_annotator = [
        {"entity": int(annotator), **_psi_between(rows)}
        for annotator, rows in class_mix.groupby("annotator", sort=True)
    ]
    return {"overall": _psi_between(class_mix), "annotator": per_annotator}
