"""Defect rates by error type over deliveries, so a recurring error type shows as a trend.

Input: per-item defect rows from several deliveries, e.g. ``DefectReport.items`` frames
concatenated with key columns added (``batch_id``, ``vendor_id``, ``cohort_id``,
``delivered_at``, ...).  The rate of a defect type in a group is the share of its sampled items
with at least one defect of that type (``n_<type> > 0``); ``defective`` gives the any-defect
rate under the type name ``"any"``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labelqc.intake.defects import DEFECT_TYPES
from labelqc.intake.errors import IntakeInputError

TREND_TYPES: tuple[str, ...] = (*DEFECT_TYPES, "any")


def _as_list(by: str | Sequence[str]) -> list[str]:
    return [by] if isinstance(by, str) else list(by)


def defect_trend(
    item_defects: pd.DataFrame,
    *,
    period: str,
    by: str | Sequence[str] = (),
    freq: str | None = None,
) -> pd.DataFrame:
    """Long frame of defect rates per group, period and defect type.

    ``period``: the column ordering deliveries in time (a batch number, a date); with ``freq``
    (a pandas period alias such as ``"W"`` or ``"M"``) a datetime column is bucketed into
    periods, reported as the period start (UTC, tz-naive).  ``by``: grouping columns (vendor,
    cohort, ...).  Returns columns ``*by, period, defect_type, n_items, n_items_affected,
    rate``, sorted by group, period and type order (``DEFECT_TYPES`` then ``"any"``).
    """
    keys = _as_list(by)
    count_columns = [f"n_{name}" for name in DEFECT_TYPES]
    needed = [*keys, period, *count_columns, "defective"]
    missing = [column for column in needed if column not in item_defects.columns]
    if missing:
        raise IntakeInputError(f"item_defects: missing column(s) {missing}")
    frame = item_defects.loc[:, needed].copy()
    if freq is not None:
        times = frame[period]
        if not pd.api.types.is_datetime64_any_dtype(times):
            raise IntakeInputError(f"{period}: freq needs a datetime column, got {times.dtype}")
        if getattr(times.dt, "tz", None) is not None:
            times = times.dt.tz_convert("UTC").dt.tz_localize(None)
        frame[period] = times.dt.to_period(freq).dt.start_time
    if frame[[*keys, period]].isna().any().any():
        raise IntakeInputError(f"item_defects: {[*keys, period]} must not be missing")
    affected = pd.DataFrame(
        (frame[count_columns].to_numpy() > 0), columns=list(DEFECT_TYPES), index=frame.index
    )
    affected["any"] = frame["defective"].astype(bool).to_numpy()
    for key in (*keys, period):
        affected[key] = frame[key].to_numpy()
    grouped = affected.groupby([*keys, period], sort=True)
    totals = grouped.size().rename("n_items")
    sums = grouped[list(TREND_TYPES)].sum()
    long = sums.reset_index().melt(
        id_vars=[*keys, period],
        value_vars=list(TREND_TYPES),
        var_name="defect_type",
        value_name="n_items_affected",
    )
    long = long.merge(totals.reset_index(), on=[*keys, period], how="left")
    long["n_items_affected"] = long["n_items_affected"].astype(np.int64)
    long["rate"] = long["n_items_affected"] / long["n_items"]
    type_rank = long["defect_type"].map({name: rank for rank, name in enumerate(TREND_TYPES)})
    long = long.assign(_type_rank=type_rank).sort_values([*keys, period, "_type_rank"])
    columns = [*keys, period, "defect_type", "n_items", "n_items_affected", "rate"]
    return long.loc[:, columns].reset_index(drop=True)


def recurring_defects(
    trend: pd.DataFrame,
    *,
    period: str,
    by: str | Sequence[str] = (),
    min_rate: float = 0.05,
    min_periods: int = 3,
) -> pd.DataFrame:
    """Defect types whose rate stays at or above ``min_rate`` for ``min_periods`` periods in a row.

    ``trend``: the output of :func:`defect_trend` (same ``period`` and ``by``).  Returns one row
    per group and defect type: ``*by, defect_type, n_periods, periods_at_or_above,
    longest_run`` (consecutive periods at or above ``min_rate``), ``last_rate``, ``slope``
    (least-squares change of the rate per period step; None with fewer than two periods) and
    ``recurring`` (``longest_run >= min_periods``), sorted with recurring types first.
    """
    keys = _as_list(by)
    if not (0.0 <= float(min_rate) <= 1.0):
        raise IntakeInputError(f"min_rate: must lie in [0, 1], got {min_rate!r}")
    if isinstance(min_periods, bool) or not isinstance(min_periods, int) or min_periods < 1:
        raise IntakeInputError(f"min_periods: must be an int >= 1, got {min_periods!r}")
    needed = [*keys, period, "defect_type", "rate"]
    missing = [column for column in needed if column not in trend.columns]
    if missing:
        raise IntakeInputError(f"trend: missing column(s) {missing}")
    frame = trend.loc[:, needed].sort_values([*keys, "defect_type", period]).reset_index(drop=True)
    series_keys = [*keys, "defect_type"]
    grouped = frame.groupby(series_keys, sort=False)
    step = grouped.cumcount().astype(np.float64)
    high = frame["rate"].to_numpy() >= float(min_rate)
    # Run ids change whenever the series or the at-or-above state changes.
    new_series = grouped.ngroup().to_numpy()
    boundary = np.r_[True, (new_series[1:] != new_series[:-1]) | (high[1:] != high[:-1])]
    run_id = np.cumsum(boundary)
    run_length = pd.Series(run_id).map(pd.Series(run_id).value_counts()).to_numpy()
    frame["_high"] = high
    frame["_run"] = np.where(high, run_length, 0)
    frame["_x"] = step
    frame["_xy"] = step * frame["rate"]
    frame["_xx"] = step * step
    totals = frame.groupby(series_keys, sort=False).agg(
        n_periods=("rate", "size"),
        periods_at_or_above=("_high", "sum"),
        longest_run=("_run", "max"),
        last_rate=("rate", "last"),
        sum_x=("_x", "sum"),
        sum_y=("rate", "sum"),
        sum_xy=("_xy", "sum"),
        sum_xx=("_xx", "sum"),
    )
    n = totals["n_periods"].to_numpy(dtype=np.float64)
    denominator = n * totals["sum_xx"].to_numpy() - totals["sum_x"].to_numpy() ** 2
    numerator = (
        n * totals["sum_xy"].to_numpy() - totals["sum_x"].to_numpy() * totals["sum_y"].to_numpy()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )
    result = totals.reset_index().drop(columns=["sum_x", "sum_y", "sum_xy", "sum_xx"])
    result["periods_at_or_above"] = result["periods_at_or_above"].astype(np.int64)
    result["longest_run"] = result["longest_run"].astype(np.int64)
    result["slope"] = pd.array(np.where(np.isnan(slope), None, slope), dtype="Float64")
    result["recurring"] = result["longest_run"].to_numpy() >= min_periods
    return result.sort_values(
        ["recurring", "longest_run", *series_keys],
        ascending=[False, False, *([True] * len(series_keys))],
    ).reset_index(drop=True)
