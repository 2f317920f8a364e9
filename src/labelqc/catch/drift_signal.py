"""Drift against an annotator's own baseline, through labelqc.drift's windowed charts.

Two metrics per window (``rule.window``, days by default): honeypot accuracy (TP over
TP + FP + FN outcomes) and mean IoU of matches, each pooled over the window's objects. The
window sums go to :func:`labelqc.drift.detect_drift` as sufficient statistics (``n`` objects,
``sum``), which takes each annotator's level from their first ``baseline_windows`` windows and
runs EWMA and CUSUM over the rest (Phase I / Phase II).

Sigma: objects of one honeypot are correlated (a hard scene hurts all its boxes), so the
per-object sigma that makes a window mean's variance right is the clustered one,
``sigma^2 = sum_h (s_h - p n_h)^2 / sum_h n_h`` over honeypots h (s_h the honeypot's sum, n_h its
objects, p the pooled mean), times G / (G - 1) for G honeypots. A week of honeypots estimates
it poorly for one annotator, and an underestimate becomes false alarms, so it is pooled: the
median over annotators of their baseline estimates (the median resists the few annotators
faulty from the start).

The charts are causal, so running them once over the whole program and reading the first
signal equals running them each night. A window's verdict is placed on the annotator's last
task of that window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.catch.gold_evidence import GoldEvidence
from labelqc.catch.gold_signals import empty_evaluations, evaluations
from labelqc.catch.rules import DriftRule
from labelqc.catch.timeline import Timeline
from labelqc.drift import EntityDrift, detect_drift, window_floor

# metric -> (numerator column, denominator column, label)
METRICS = {
    "accuracy": ("tp", "n_outcomes", "honeypot accuracy"),
    "mean_iou": ("iou_sum", "tp", "honeypot IoU"),
}


def _honeypot_sums(evidence: GoldEvidence, rule: DriftRule) -> pd.DataFrame:
    table = evidence.table
    frame = table[["annotator_id", "tp", "iou_sum"]].assign(
        n_outcomes=(table["tp"] + table["fp"] + table["fn"]).to_numpy(dtype=np.float64),
        window_start=window_floor(table["started_at"], rule.window, "honeypots").to_numpy(),
    )
    rank = frame.groupby("annotator_id")["window_start"].rank(method="dense")
    return frame.assign(baseline=(rank <= rule.baseline_windows).to_numpy())


def _pooled_sigma(sums: pd.DataFrame, numerator: str, denominator: str) -> float | None:
    """Median over annotators of the clustered per-object sigma of their baseline."""
    baseline = sums[sums["baseline"] & (sums[denominator] > 0)]
    if baseline.empty:
        return None
    totals = baseline.groupby("annotator_id")[[numerator, denominator]].transform("sum")
    level = totals[numerator] / totals[denominator]
    residual_sq = (baseline[numerator] - level * baseline[denominator]) ** 2
    per_annotator = (
        pd.DataFrame({"r": residual_sq, "n": baseline[denominator], "g": 1.0})
        .groupby(baseline["annotator_id"])
        .sum()
    )
    clusters = per_annotator["g"]
    # G / (G - 1): the usual small-sample correction of a clustered variance (G honeypots).
    correction = clusters / (clusters - 1.0)
    sigma = np.sqrt(per_annotator["r"] / per_annotator["n"] * correction)
    sigma = sigma[(clusters >= 2) & (sigma > 0)]
    return float(sigma.median()) if len(sigma) else None


def _window_verdicts(drift: EntityDrift) -> tuple[list[pd.Timestamp], np.ndarray, np.ndarray]:
    """Monitored windows, lower-CUSUM values and whether a downward signal fired there."""
    if drift.cusum is None or drift.ewma is None:
        return [], np.zeros(0), np.zeros(0, dtype=bool)
    windows = list(drift.windows[drift.monitoring_start :])
    downward = drift.cusum.signal_lower | (drift.ewma.z < drift.ewma.lcl)
    return windows, np.asarray(drift.cusum.lower), np.asarray(downward, dtype=bool)


def _metric_evaluations(
    sums: pd.DataFrame, metric: str, rule: DriftRule, last_rows: pd.Series
) -> pd.DataFrame:
    numerator, denominator, label = METRICS[metric]
    sigma = _pooled_sigma(sums, numerator, denominator)
    observed = sums[sums[denominator] > 0]
    if sigma is None or observed.empty:
        return empty_evaluations()
    stats = (
        observed.groupby(["annotator_id", "window_start"], sort=True)
        .agg(n=(denominator, "sum"), sum=(numerator, "sum"))
        .reset_index()
        .rename(columns={"annotator_id": "entity"})
        .assign(sum_sq=np.nan)  # only read when sigma is estimated, and it is given here
    )
    charts = detect_drift(
        stats,
        metric_kind="continuous",
        baseline_windows=rule.baseline_windows,
        sigma=sigma,
        lam=rule.lam,
        sigma_multiple=rule.sigma_multiple,
        cusum_k=rule.k,
        cusum_h=rule.h,
    )
    parts = []
    for annotator, drift in charts.items():
        windows, lower, fired = _window_verdicts(drift)
        if not windows:
            continue
        keys = pd.MultiIndex.from_arrays(
            [np.full(len(windows), annotator), pd.DatetimeIndex(windows)]
        )
        rows = last_rows.reindex(keys).to_numpy(dtype=np.int64)
        parts.append(evaluations(rows, lower, rule.h, fired, f"{label} drift"))
    return pd.concat(parts, ignore_index=True) if parts else empty_evaluations()


def drift_evaluations(evidence: GoldEvidence, timeline: Timeline, rule: DriftRule) -> pd.DataFrame:
    """Per (annotator, monitored window): fired when either metric drifts down.

    value = the lower CUSUM of the metric that fired (accuracy when neither), bound = h.
    """
    tasks = timeline.tasks
    window_start = window_floor(tasks["started_at"], rule.window, "tasks")
    last_rows = (
        pd.DataFrame(
            {
                "annotator_id": tasks["annotator_id"].to_numpy(),
                "window": window_start.to_numpy(),
                "row": np.arange(len(tasks)),
            }
        )
        .groupby(["annotator_id", "window"], sort=True)["row"]
        .max()
    )
    sums = _honeypot_sums(evidence, rule)
    per_metric = [_metric_evaluations(sums, metric, rule, last_rows) for metric in METRICS]
    combined = pd.concat(per_metric, ignore_index=True)
    if combined.empty:
        return empty_evaluations()
    # Fired rows first, so the first row kept per timeline row names a metric that fired.
    combined = combined.sort_values(["row", "fired"], ascending=[True, False], kind="stable")
    first = combined.drop_duplicates("row", keep="first")
    fired_any = combined.groupby("row", sort=True)["fired"].any()
    return first.assign(fired=fired_any.loc[first["row"]].to_numpy()).reset_index(drop=True)
