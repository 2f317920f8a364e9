"""Per-entity windowed series and the control charts run over them.

An observation frame has one row per scored observation: an entity column (annotator_id,
cohort_id or class_id), ``created_at`` (tz-aware UTC datetimes) and a metric (gold correct 0/1,
IoU, size bias). :func:`window_stats` reduces it to sufficient statistics per (entity, window)
- ``n``, ``sum``, ``sum_sq`` - which add across data shards; :func:`detect_drift` runs the charts
per entity and reports the first window in which each signal fires.

Baseline and monitoring (Phase I / Phase II): unless ``target`` and ``sigma`` are given, each
entity's first ``baseline_windows`` windows estimate them from the pooled observations
(proportion metrics: ``p`` and ``sqrt(p (1 - p))``; continuous metrics: the mean and the ddof=1
standard deviation of all baseline observations), and the charts run over the windows after the
baseline, with limits widened for the estimate's own variance (see :mod:`labelqc.drift.charts`).
With both given, the charts run from the first window. Per-observation sigma assumes windows
differ only by sampling noise; real between-window variation (overdispersion) raises the alarm
rate, which is why every signal names its window for review instead of acting on its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import Tick

from labelqc.drift.charts import (
    DEFAULT_CUSUM_H,
    DEFAULT_CUSUM_K,
    DEFAULT_EWMA_LAMBDA,
    DEFAULT_SIGMA_MULTIPLE,
    CusumChart,
    EwmaChart,
    PChart,
    cusum_chart,
    ewma_chart,
    p_chart,
)

MetricKind = Literal["proportion", "continuous"]
SIGNAL_NAMES: tuple[str, ...] = ("p_chart", "ewma", "cusum_upper", "cusum_lower")
STATS_COLUMNS: tuple[str, ...] = ("entity", "window_start", "n", "sum", "sum_sq")
DEFAULT_BASELINE_WINDOWS = 7
# The shortest window: observations are bucketed per window (daily by default) and each window is
# one chart point, so a window needs a positive length long enough to gather observations.
MIN_WINDOW = pd.Timedelta(hours=1)


class SeriesInputError(ValueError):
    """An observation frame or series table is missing a column or holds a bad value."""


def _window_length(window: str) -> pd.Timedelta:
    """The length of a fixed-length window, or SeriesInputError naming `window`."""
    not_fixed = f"window: {window!r} is not a fixed-length frequency such as '1D' or '6h'"
    try:
        # A deprecated alias ('1M') warns before it fails; it is rejected the same way.
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)
            offset = to_offset(window)
        if not isinstance(offset, Tick):
            raise ValueError(f"{offset!r} is a non-fixed frequency")
        length = pd.Timedelta(offset)
    except (ValueError, TypeError, OverflowError, FutureWarning) as error:
        raise SeriesInputError(f"{not_fixed} ({error})") from error
    if length < MIN_WINDOW:
        # Zero or negative lengths would not bucket at all (or floor into the future), and a
        # window shorter than an hour holds too few observations for a chart point while
        # multiplying the windows: the same floor as the fault-flag drift rule's window.
        raise SeriesInputError(
            f"window: {window!r} is too short ({length}); a window must be at least 1 hour "
            "long, such as '1h', '6h' or '1D'"
        )
    return length


def window_floor(created_at: pd.Series, window: str, frame_name: str = "frame") -> pd.Series:
    """Floor tz-aware timestamps to the start of their fixed-length window ("1D", "6h", "7D").

    The window must be at least MIN_WINDOW (1 hour) long; see check_window.
    """
    _window_length(window)
    if not isinstance(created_at.dtype, pd.DatetimeTZDtype):
        raise SeriesInputError(
            f"{frame_name}.created_at: expected tz-aware datetimes (datetime64[ns, UTC]), "
            f"got {created_at.dtype}"
        )
    if created_at.isna().any():
        row = created_at.index[int(np.flatnonzero(created_at.isna().to_numpy())[0])]
        raise SeriesInputError(f"{frame_name}.created_at: row {row!r} is missing")
    try:
        return created_at.dt.tz_convert("UTC").dt.floor(window)
    except (ValueError, OverflowError) as error:
        # A length in range as a Timedelta can still overflow the nanosecond floor ('999999D').
        raise SeriesInputError(
            f"window: {window!r} is not a fixed-length frequency such as '1D' or '6h' ({error})"
        ) from error


def check_window(window: str) -> None:
    """Raise SeriesInputError unless `window` is a fixed-length frequency window_floor takes:
    one of at least MIN_WINDOW (1 hour), such as '1h', '6h', '1D' or '7D'."""
    window_floor(pd.Series([pd.Timestamp("2024-01-01", tz="UTC")]), window)


def window_stats(
    frame: pd.DataFrame,
    entity_col: str,
    metric_col: str,
    *,
    window: str = "1D",
    time_col: str = "created_at",
) -> pd.DataFrame:
    """Sufficient statistics per (entity, window) of one metric.

    Returns a DataFrame with columns ``entity, window_start, n, sum, sum_sq`` sorted by entity
    then window; windows with no observation are absent. Stats from disjoint row sets add up.
    """
    missing = [c for c in (entity_col, metric_col, time_col) if c not in frame.columns]
    if missing:
        raise SeriesInputError(f"frame: missing required column(s) {missing}")
    metric = pd.to_numeric(frame[metric_col], errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(metric).all():
        row = frame.index[int(np.flatnonzero(~np.isfinite(metric))[0])]
        raise SeriesInputError(f"frame.{metric_col}: row {row!r} is not a finite number")
    starts = window_floor(frame[time_col], window)
    grouped = pd.DataFrame(
        {
            "entity": frame[entity_col].to_numpy(),
            "window_start": starts.to_numpy(),
            "value": metric,
            "value_sq": metric * metric,
        }
    ).groupby(["entity", "window_start"], sort=True)
    stats = grouped.agg(n=("value", "size"), sum=("value", "sum"), sum_sq=("value_sq", "sum"))
    return stats.reset_index()


@dataclass(frozen=True, eq=False)
class EntityDrift:
    """Charts and first signals for one entity.

    ``windows``: window starts (UTC Timestamps); ``n``/``value``: observations and mean per
    window; ``target``/``sigma``: in-control level and per-observation sigma (None with
    ``reason`` when they cannot be set); ``monitoring_start``: index of the first monitored
    window (the chart arrays cover ``windows[monitoring_start:]``); ``baseline_size``:
    observations behind an estimated target (None when given); ``first_signal``: for each of
    ``SIGNAL_NAMES`` the first window where it fires, or None.
    """

    entity: int
    windows: tuple[pd.Timestamp, ...]
    n: np.ndarray
    value: np.ndarray
    target: float | None
    sigma: float | None
    monitoring_start: int
    baseline_size: float | None
    p_chart: PChart | None
    ewma: EwmaChart | None
    cusum: CusumChart | None
    first_signal: dict[str, pd.Timestamp | None]
    reason: str | None


def _baseline_level(
    n: np.ndarray, sums: np.ndarray, sums_sq: np.ndarray, kind: MetricKind
) -> tuple[float, float | None, str | None]:
    total = float(n.sum())
    mean = float(sums.sum() / total)
    if kind == "proportion":
        return mean, float(np.sqrt(mean * (1.0 - mean))), None
    if total < 2:
        return mean, None, "the baseline has fewer than 2 observations"
    variance = max(float(sums_sq.sum()) - total * mean * mean, 0.0) / (total - 1.0)
    return mean, float(np.sqrt(variance)), None


def _first_window(flags: np.ndarray, windows: tuple[pd.Timestamp, ...]) -> pd.Timestamp | None:
    positions = np.flatnonzero(flags)
    return windows[int(positions[0])] if positions.size else None


def _entity_drift(
    entity: int,
    rows: pd.DataFrame,
    kind: MetricKind,
    *,
    baseline_windows: int,
    target: float | None,
    sigma: float | None,
    lam: float,
    sigma_multiple: float,
    cusum_k: float,
    cusum_h: float,
) -> EntityDrift:
    windows = tuple(pd.Timestamp(t) for t in rows["window_start"])
    n = rows["n"].to_numpy(dtype=np.float64)
    sums = rows["sum"].to_numpy(dtype=np.float64)
    value = sums / n
    no_signal: dict[str, pd.Timestamp | None] = dict.fromkeys(SIGNAL_NAMES)

    def undefined(
        reason: str, level: float | None = None, spread: float | None = None
    ) -> EntityDrift:
        return EntityDrift(
            entity=entity,
            windows=windows,
            n=n,
            value=value,
            target=level,
            sigma=spread,
            monitoring_start=len(windows),
            baseline_size=None,
            p_chart=None,
            ewma=None,
            cusum=None,
            first_signal=no_signal,
            reason=reason,
        )

    given = target is not None and sigma is not None
    start = 0 if given else baseline_windows
    level, spread, reason, baseline_size = target, sigma, None, None
    if not given:
        if len(windows) <= baseline_windows:
            return undefined(
                f"only {len(windows)} window(s); needs more than baseline_windows={baseline_windows}"
            )
        head = slice(0, baseline_windows)
        est_level, est_spread, reason = _baseline_level(
            n[head], sums[head], rows["sum_sq"].to_numpy(dtype=np.float64)[head], kind
        )
        baseline_size = float(n[head].sum()) if target is None else None
        level = est_level if target is None else float(target)
        spread = est_spread if sigma is None else float(sigma)
    if reason is not None or level is None or spread is None or not spread > 0:
        return undefined(reason or "the baseline has no variation (sigma 0)", level, spread)
    monitored = tuple(windows[start:])
    pchart = None
    if kind == "proportion":
        if not 0.0 <= level <= 1.0:
            raise SeriesInputError(f"target: a proportion must be in [0, 1], got {level!r}")
        pchart = p_chart(
            sums[start:],
            n[start:],
            center=level,
            center_sample_size=baseline_size,
            sigma_multiple=sigma_multiple,
        )
    ewma = ewma_chart(
        value[start:],
        target=level,
        sigma=spread,
        sample_sizes=n[start:],
        target_sample_size=baseline_size,
        lam=lam,
        sigma_multiple=sigma_multiple,
    )
    cusum = cusum_chart(
        value[start:],
        target=level,
        sigma=spread,
        sample_sizes=n[start:],
        target_sample_size=baseline_size,
        k=cusum_k,
        h=cusum_h,
    )
    first = {
        "p_chart": _first_window(pchart.out_of_control, monitored) if pchart else None,
        "ewma": _first_window(ewma.signal, monitored),
        "cusum_upper": _first_window(cusum.signal_upper, monitored),
        "cusum_lower": _first_window(cusum.signal_lower, monitored),
    }
    return EntityDrift(
        entity=entity,
        windows=windows,
        n=n,
        value=value,
        target=level,
        sigma=spread,
        monitoring_start=start,
        baseline_size=baseline_size,
        p_chart=pchart,
        ewma=ewma,
        cusum=cusum,
        first_signal=first,
        reason=None,
    )


def detect_drift(
    stats: pd.DataFrame,
    *,
    metric_kind: MetricKind,
    baseline_windows: int = DEFAULT_BASELINE_WINDOWS,
    target: float | None = None,
    sigma: float | None = None,
    lam: float = DEFAULT_EWMA_LAMBDA,
    sigma_multiple: float = DEFAULT_SIGMA_MULTIPLE,
    cusum_k: float = DEFAULT_CUSUM_K,
    cusum_h: float = DEFAULT_CUSUM_H,
) -> dict[int, EntityDrift]:
    """Run the charts on each entity's series and find the first window each signal fires.

    ``stats``: the output of :func:`window_stats` (or shard-merged sums of it).
    ``metric_kind``: "proportion" (0/1 metric; p-chart + EWMA + CUSUM) or "continuous"
    (EWMA + CUSUM). Returns ``{entity: EntityDrift}`` in entity order; see the module doc for the
    baseline rule. ``target``/``sigma`` apply to every entity when given.
    """
    missing = [c for c in STATS_COLUMNS if c not in stats.columns]
    if missing:
        raise SeriesInputError(f"stats: missing required column(s) {missing}")
    if metric_kind not in ("proportion", "continuous"):
        raise SeriesInputError(
            f"metric_kind: expected 'proportion' or 'continuous', got {metric_kind!r}"
        )
    if (
        isinstance(baseline_windows, bool)
        or not isinstance(baseline_windows, int)
        or baseline_windows < 1
    ):
        raise SeriesInputError(f"baseline_windows: expected an int >= 1, got {baseline_windows!r}")
    if (stats["n"].to_numpy() <= 0).any():
        raise SeriesInputError("stats.n: every window needs at least one observation")
    ordered = stats.sort_values(["entity", "window_start"], kind="stable")
    return {
        int(entity): _entity_drift(
            int(entity),
            rows,
            metric_kind,
            baseline_windows=baseline_windows,
            target=target,
            sigma=sigma,
            lam=lam,
            sigma_multiple=sigma_multiple,
            cusum_k=cusum_k,
            cusum_h=cusum_h,
        )
        for entity, rows in ordered.groupby("entity", sort=True)
    }


def drift_signals(
    frame: pd.DataFrame,
    entity_col: str,
    metric_col: str,
    *,
    window: str = "1D",
    metric_kind: MetricKind | None = None,
    baseline_windows: int = DEFAULT_BASELINE_WINDOWS,
    target: float | None = None,
    sigma: float | None = None,
    lam: float = DEFAULT_EWMA_LAMBDA,
    sigma_multiple: float = DEFAULT_SIGMA_MULTIPLE,
    cusum_k: float = DEFAULT_CUSUM_K,
    cusum_h: float = DEFAULT_CUSUM_H,
) -> dict[int, EntityDrift]:
    """Build per-entity windowed series from an observation frame and run the charts.

    ``metric_kind`` defaults to "proportion" when every metric value is 0 or 1, else
    "continuous"; the other options are those of :func:`detect_drift`.
    """
    stats = window_stats(frame, entity_col, metric_col, window=window)
    if metric_kind is None:
        values = pd.to_numeric(frame[metric_col]).to_numpy(dtype=np.float64)
        metric_kind = "proportion" if np.isin(values, (0.0, 1.0)).all() else "continuous"
    return detect_drift(
        stats,
        metric_kind=metric_kind,
        baseline_windows=baseline_windows,
        target=target,
        sigma=sigma,
        lam=lam,
        sigma_multiple=sigma_multiple,
        cusum_k=cusum_k,
        cusum_h=cusum_h,
    )
