"""Rework as a geometric series of correction rounds (closed form and truncated).

A first pass over N items leaves N d defective labels. Review catches a share c of them
(c = review share x reviewer recall), which go back for correction: round 1 has N d c
corrections. Every corrected item is re-reviewed; a correction is itself wrong with probability
d_r and such an error is caught with probability r (the recall), so round k has
N d c rho^(k-1) corrections, rho = d_r r. Over K rounds (K = max_cycles, inf = no limit):

    corrections = N d c (1 - rho^K) / (1 - rho)          (K = inf: N d c / (1 - rho))

With c = r = 1 this is the seed's N d, N d d_r, ...: 200,000 items at d = 5% give 10,000
corrections, then 500 at d_r = 5%, and N d / (1 - d_r) in total.

Defects that escape QA (end up in accepted labels):

    escaped = N d (1 - c)              first-pass defects the review sample did not catch
            + d_r (1 - r) corrections  wrong corrections the re-review missed
            + N d c rho^K              caught in the last round but past the cycle limit

which equals N d + d_r x corrections - corrections (every defect made is either fixed or escapes).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from labelqc.cost._validate import check_range, raise_first
from labelqc.cost.errors import CostInputError

ArrayLike = float | np.ndarray | pd.Series


class ReworkSeries(NamedTuple):
    """Expected counts per row: corrections over all rounds and defects that escape QA."""

    corrections: np.ndarray
    escaped_defects: np.ndarray


def _as_array(value: ArrayLike | None, fill: float) -> np.ndarray:
    return np.asarray(fill if value is None else value, dtype=np.float64)


def validate_series_inputs(
    n_items: np.ndarray,
    defect_rate: np.ndarray,
    correction_error_rate: np.ndarray,
    max_cycles: np.ndarray,
    index: pd.Index | None,
) -> None:
    """Check N >= 0, d and d_r in [0, 1) (d_r >= 1 cannot converge), max_cycles integer >= 0."""
    check_range(n_items, "n_items", index)
    check_range(defect_rate, "defect_rate", index, high=1.0, high_open=True)
    check_range(
        correction_error_rate,
        "correction_error_rate",
        index,
        high=1.0,
        high_open=True,
        reason="(the correction series cannot converge at d_r >= 1)",
    )
    with np.errstate(invalid="ignore"):
        bad_cycles = (
            np.isnan(max_cycles)
            | (max_cycles < 0)
            | (np.isfinite(max_cycles) & (max_cycles != np.floor(max_cycles)))
        )
    raise_first(
        bad_cycles,
        "max_cycles",
        "must be a whole number >= 0 (None for no limit)",
        max_cycles,
        index,
    )


def rework_series(
    n_items: ArrayLike,
    defect_rate: ArrayLike,
    correction_error_rate: ArrayLike,
    *,
    catch_rate: ArrayLike = 1.0,
    rereview_recall: ArrayLike = 1.0,
    max_cycles: ArrayLike | None = None,
) -> ReworkSeries:
    """Expected corrections and escaped defects, element-wise over broadcastable inputs.

    Inputs: item counts N, first-pass defect rate d and correction-round error rate d_r (both in
    [0, 1)), the share c of first-pass defects that review catches, the re-review recall r, and
    the maximum number of correction rounds (None or inf: no limit, the closed form). Inputs are
    assumed valid (``validate_series_inputs``); ``expected_corrections`` is the checked scalar API.
    """
    n = np.asarray(n_items, dtype=np.float64)
    d = np.asarray(defect_rate, dtype=np.float64)
    d_r = np.asarray(correction_error_rate, dtype=np.float64)
    c = np.asarray(catch_rate, dtype=np.float64)
    r = np.asarray(rereview_recall, dtype=np.float64)
    cycles = _as_array(max_cycles, np.inf)
    rho = d_r * r
    first_round = n * d * c
    # rho^K with K = inf is 0 for rho < 1; 0^0 = 1 keeps K = 0 meaning "no correction at all".
    left_after_limit = first_round * np.power(rho, cycles)
    corrections = (first_round - left_after_limit) / (1.0 - rho)
    escaped = n * d * (1.0 - c) + d_r * (1.0 - r) * corrections + left_after_limit
    return ReworkSeries(corrections=corrections, escaped_defects=escaped)


def expected_corrections(
    n_items: ArrayLike,
    defect_rate: ArrayLike,
    correction_error_rate: ArrayLike,
    max_cycles: ArrayLike | None = None,
) -> float | np.ndarray:
    """N d (1 - d_r^K) / (1 - d_r): expected corrections when review catches every defect.

    ``max_cycles`` None is the closed form N d / (1 - d_r); an integer K truncates the series
    after K correction rounds. Raises CostInputError naming the field for N < 0, d or d_r
    outside [0, 1), or a negative / fractional K. Returns a float for scalar inputs.
    """
    n, d, d_r = (
        np.asarray(v, dtype=np.float64) for v in (n_items, defect_rate, correction_error_rate)
    )
    cycles = _as_array(max_cycles, np.inf)
    n, d, d_r, cycles = np.broadcast_arrays(n, d, d_r, cycles)
    validate_series_inputs(
        n.ravel(), d.ravel(), d_r.ravel(), cycles.ravel(), pd.RangeIndex(n.size) if n.ndim else None
    )
    corrections = rework_series(n, d, d_r, max_cycles=cycles).corrections
    return float(corrections) if corrections.ndim == 0 else corrections


def correction_rounds(
    n_items: float, defect_rate: float, correction_error_rate: float, cycles: int
) -> np.ndarray:
    """Corrections in each of the first ``cycles`` rounds: N d, N d d_r, N d d_r^2, ..."""
    if isinstance(cycles, bool) or not isinstance(cycles, int | np.integer) or cycles < 0:
        raise CostInputError("cycles", f"must be an integer >= 0, got {cycles!r}")
    validate_series_inputs(
        np.array([float(n_items)]),
        np.array([float(defect_rate)]),
        np.array([float(correction_error_rate)]),
        np.array([float(cycles)]),
        None,
    )
    return (
        float(n_items)
        * float(defect_rate)
        * np.power(float(correction_error_rate), np.arange(int(cycles), dtype=np.float64))
    )
