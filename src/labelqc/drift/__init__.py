"""Drift detection: control charts (p-chart, EWMA, tabular CUSUM), PSI and per-entity series."""

from labelqc.drift.charts import (
    ChartInputError,
    CusumChart,
    EwmaChart,
    PChart,
    cusum_chart,
    estimate_target_sigma,
    ewma_chart,
    p_chart,
)
from labelqc.drift.psi import PsiBand, PsiInputError, psi, psi_band
from labelqc.drift.series import (
    SIGNAL_NAMES,
    EntityDrift,
    MetricKind,
    SeriesInputError,
    check_window,
    detect_drift,
    drift_signals,
    window_floor,
    window_stats,
)

__all__ = [
    "SIGNAL_NAMES",
    "ChartInputError",
    "CusumChart",
    "EntityDrift",
    "EwmaChart",
    "MetricKind",
    "PChart",
    "PsiBand",
    "PsiInputError",
    "SeriesInputError",
    "check_window",
    "cusum_chart",
    "detect_drift",
    "drift_signals",
    "estimate_target_sigma",
    "ewma_chart",
    "p_chart",
    "psi",
    "psi_band",
    "window_floor",
    "window_stats",
]
