"""Statistical process control charts: p-chart, EWMA and tabular CUSUM.

Definitions follow Montgomery, *Introduction to Statistical Quality Control* (chapters 7 and 9):

- p-chart: ``p_bar = sum(defects) / sum(n)`` (or a given centre), per-sample limits
  ``p_bar +/- L * sqrt(p_bar * (1 - p_bar) / n_i)`` with the lower limit floored at 0 and the
  upper capped at 1; a sample is out of control when its proportion lies outside its limits.
- EWMA: ``z_i = lam * x_i + (1 - lam) * z_{i-1}``, ``z_0 = target``; limits
  ``target +/- L * sqrt(Var(z_i))`` where ``Var(z_i) = (1 - lam)^2 Var(z_{i-1}) + lam^2 s_i^2``,
  ``s_i = sigma / sqrt(n_i)``. With equal sample sizes this is the textbook time-varying limit
  ``L * s * sqrt(lam / (2 - lam) * (1 - (1 - lam)^(2 i)))``.
- Tabular CUSUM on standardized values ``u_i = (x_i - target) / s_i``:
  ``C+_i = max(0, u_i - k + C+_{i-1})``, ``C-_i = max(0, -u_i - k + C-_{i-1})``; a signal when
  either exceeds ``h``. Statistics are in units of sigma (the textbook's ``K = k sigma`` and
  ``H = h sigma`` in original units).

Every chart takes an optional baseline: when ``target``/``sigma`` are not given they are
estimated from the first ``baseline`` samples. When the centre/target was estimated from an
independent baseline of ``N`` observations (Phase II monitoring after a Phase I baseline), pass
``N`` as ``center_sample_size``/``target_sample_size``: the estimate's own variance is added to
the limits (p-chart ``p (1 - p) (1 / n_i + 1 / N)``; EWMA ``(1 - (1 - lam)^i)^2 sigma^2 / N``;
CUSUM standardizes by ``sigma sqrt(1 / n_i + 1 / N)``). Without it a short baseline inflates the
false-alarm rate several-fold (an EWMA with a 5-window baseline alarms on about a third of
in-control series within 30 windows instead of about 5%).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.signal import lfilter

DEFAULT_SIGMA_MULTIPLE = 3.0
DEFAULT_EWMA_LAMBDA = 0.2
DEFAULT_CUSUM_K = 0.5
DEFAULT_CUSUM_H = 5.0


class ChartInputError(ValueError):
    """A control-chart input is empty, mis-shaped or outside its domain."""


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _as_1d(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ChartInputError(f"{name}: expected a 1-D sequence, got shape {array.shape}")
    if array.size == 0:
        raise ChartInputError(f"{name}: is empty")
    if not np.isfinite(array).all():
        raise ChartInputError(
            f"{name}: holds a non-finite value at position "
            f"{int(np.flatnonzero(~np.isfinite(array))[0])}"
        )
    return array


def _sample_sizes(sample_sizes: ArrayLike | None, length: int) -> np.ndarray:
    if sample_sizes is None:
        return np.ones(length, dtype=np.float64)
    sizes = _as_1d(sample_sizes, "sample_sizes")
    if sizes.size != length:
        raise ChartInputError(f"sample_sizes: has {sizes.size} entries, expected {length}")
    if (sizes <= 0).any():
        raise ChartInputError(
            f"sample_sizes: must be > 0, position {int(np.flatnonzero(sizes <= 0)[0])} is not"
        )
    return sizes


def _estimate_size(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    size = float(value)
    if not size > 0:
        raise ChartInputError(f"{name}: must be > 0 observations, got {value!r}")
    return size


def _baseline_length(baseline: int | None, length: int) -> int:
    if baseline is None:
        return length
    if isinstance(baseline, bool) or not isinstance(baseline, int | np.integer):
        raise ChartInputError(f"baseline: expected a number of leading samples, got {baseline!r}")
    if not 1 <= baseline <= length:
        raise ChartInputError(f"baseline: must be between 1 and {length}, got {baseline}")
    return int(baseline)


def estimate_target_sigma(
    values: np.ndarray, sizes: np.ndarray, baseline: int
) -> tuple[float, float]:
    """Target and per-observation sigma from the first ``baseline`` samples.

    target = size-weighted mean of the sample values; sigma = sample standard deviation
    (ddof=1) of the standardized deviations ``(x_i - target) * sqrt(n_i)``, which estimates the
    per-observation sigma when sample i is a mean of n_i observations (n_i = 1 for individuals).
    Raises ChartInputError when the baseline has fewer than two samples.
    """
    if baseline < 2:
        raise ChartInputError("baseline: needs at least 2 samples to estimate sigma")
    head_values, head_sizes = values[:baseline], sizes[:baseline]
    target = float(np.sum(head_values * head_sizes) / np.sum(head_sizes))
    deviations = (head_values - target) * np.sqrt(head_sizes)
    sigma = float(np.sqrt(np.sum(deviations**2) / (baseline - 1)))
    return target, sigma


def _target_sigma(
    values: np.ndarray,
    sizes: np.ndarray,
    target: float | None,
    sigma: float | None,
    baseline: int | None,
) -> tuple[float, float]:
    final_target = None if target is None else float(target)
    final_sigma = None if sigma is None else float(sigma)
    if final_target is None or final_sigma is None:
        estimated_target, estimated_sigma = estimate_target_sigma(
            values, sizes, _baseline_length(baseline, values.size)
        )
        final_target = estimated_target if final_target is None else final_target
        final_sigma = estimated_sigma if final_sigma is None else final_sigma
    if not np.isfinite(final_target):
        raise ChartInputError(f"target: must be finite, got {target!r}")
    if not (np.isfinite(final_sigma) and final_sigma > 0):
        raise ChartInputError(
            f"sigma: must be finite and > 0, got {final_sigma!r}"
            + (" (the baseline has no variation)" if sigma is None else "")
        )
    return final_target, final_sigma


@dataclass(frozen=True, eq=False)
class PChart:
    """A p-chart: ``center`` (float), per-sample ``proportion``, ``ucl``, ``lcl`` arrays and the
    boolean ``out_of_control`` array (proportion above ucl or below lcl)."""

    center: float
    proportion: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    out_of_control: np.ndarray
    sigma_multiple: float

    @property
    def out_of_control_samples(self) -> np.ndarray:
        """Positions of the out-of-control samples."""
        return np.flatnonzero(self.out_of_control)


def p_chart(
    defects: ArrayLike,
    sample_sizes: ArrayLike,
    *,
    center: float | None = None,
    baseline: int | None = None,
    center_sample_size: float | None = None,
    sigma_multiple: float = DEFAULT_SIGMA_MULTIPLE,
) -> PChart:
    """Build a p-chart for fraction nonconforming.

    Inputs: ``defects[i]`` nonconforming units in sample i (0 <= defects <= n), ``sample_sizes``
    n_i > 0. ``center`` is the in-control fraction when known; otherwise it is
    ``sum(defects) / sum(n)`` over the first ``baseline`` samples (all samples when None).
    Limits per sample: ``center +/- sigma_multiple * sqrt(center (1 - center) / n_i)``, lower
    floored at 0, upper capped at 1. ``center_sample_size`` (N observations behind an estimated
    centre) widens them to ``sqrt(center (1 - center) (1 / n_i + 1 / N))``.
    """
    counts = _as_1d(defects, "defects")
    sizes = _sample_sizes(sample_sizes, counts.size)
    if (counts < 0).any() or (counts > sizes).any():
        bad = int(np.flatnonzero((counts < 0) | (counts > sizes))[0])
        raise ChartInputError(f"defects: position {bad} is outside 0..sample_sizes[{bad}]")
    if center is None:
        head = _baseline_length(baseline, counts.size)
        center_value = float(counts[:head].sum() / sizes[:head].sum())
    else:
        center_value = float(center)
        if not 0.0 <= center_value <= 1.0:
            raise ChartInputError(f"center: must be a fraction in [0, 1], got {center!r}")
    if not sigma_multiple > 0:
        raise ChartInputError(f"sigma_multiple: must be > 0, got {sigma_multiple!r}")
    proportion = counts / sizes
    center_n = _estimate_size(center_sample_size, "center_sample_size")
    inverse_sizes = 1.0 / sizes + (0.0 if center_n is None else 1.0 / center_n)
    half_width = sigma_multiple * np.sqrt(center_value * (1.0 - center_value) * inverse_sizes)
    ucl = np.minimum(center_value + half_width, 1.0)
    lcl = np.maximum(center_value - half_width, 0.0)
    out = (proportion > ucl) | (proportion < lcl)
    return PChart(
        center=center_value,
        proportion=_frozen(proportion),
        ucl=_frozen(ucl),
        lcl=_frozen(lcl),
        out_of_control=_frozen(out),
        sigma_multiple=float(sigma_multiple),
    )


@dataclass(frozen=True, eq=False)
class EwmaChart:
    """An EWMA chart: statistic ``z``, time-varying ``ucl``/``lcl`` arrays, ``signal`` flags
    (z outside its limits) and the ``target``/``sigma`` used (sigma per observation)."""

    target: float
    sigma: float
    lam: float
    sigma_multiple: float
    z: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    signal: np.ndarray


def ewma_chart(
    values: ArrayLike,
    *,
    target: float | None = None,
    sigma: float | None = None,
    sample_sizes: ArrayLike | None = None,
    baseline: int | None = None,
    target_sample_size: float | None = None,
    lam: float = DEFAULT_EWMA_LAMBDA,
    sigma_multiple: float = DEFAULT_SIGMA_MULTIPLE,
) -> EwmaChart:
    """EWMA chart of ``values`` (individual observations, or sample means of ``sample_sizes``).

    ``target``/``sigma`` (per-observation sigma) are used when given, otherwise estimated from
    the first ``baseline`` samples (see :func:`estimate_target_sigma`). ``lam`` in (0, 1],
    ``sigma_multiple`` is L. Limits are exact for the sample sizes seen so far, plus the target
    estimate's variance when ``target_sample_size`` is given (module doc).
    """
    x = _as_1d(values, "values")
    sizes = _sample_sizes(sample_sizes, x.size)
    if not 0.0 < lam <= 1.0:
        raise ChartInputError(f"lam: must be in (0, 1], got {lam!r}")
    if not sigma_multiple > 0:
        raise ChartInputError(f"sigma_multiple: must be > 0, got {sigma_multiple!r}")
    mu, s = _target_sigma(x, sizes, target, sigma, baseline)
    decay = 1.0 - lam
    # z_i - mu is a first-order linear filter of (x_i - mu); lfilter runs it in C.
    z = mu + lfilter([lam], [1.0, -decay], x - mu)
    variance = lfilter([lam**2], [1.0, -(decay**2)], s**2 / sizes)
    target_n = _estimate_size(target_sample_size, "target_sample_size")
    if target_n is not None:
        weight_sum = 1.0 - decay ** np.arange(1, x.size + 1)
        variance = variance + weight_sum**2 * s**2 / target_n
    half_width = sigma_multiple * np.sqrt(variance)
    ucl, lcl = mu + half_width, mu - half_width
    signal = (z > ucl) | (z < lcl)
    return EwmaChart(
        target=mu,
        sigma=s,
        lam=float(lam),
        sigma_multiple=float(sigma_multiple),
        z=_frozen(z),
        ucl=_frozen(ucl),
        lcl=_frozen(lcl),
        signal=_frozen(signal),
    )


@dataclass(frozen=True, eq=False)
class CusumChart:
    """A tabular CUSUM: ``upper`` (C+) and ``lower`` (C-) in sigma units, the decision interval
    ``h`` and reference value ``k`` (sigma units), and ``signal_upper``/``signal_lower`` flags."""

    target: float
    sigma: float
    k: float
    h: float
    upper: np.ndarray
    lower: np.ndarray
    signal_upper: np.ndarray
    signal_lower: np.ndarray

    @property
    def signal(self) -> np.ndarray:
        """True where either side exceeds h."""
        return self.signal_upper | self.signal_lower


def cusum_chart(
    values: ArrayLike,
    *,
    target: float | None = None,
    sigma: float | None = None,
    sample_sizes: ArrayLike | None = None,
    baseline: int | None = None,
    target_sample_size: float | None = None,
    k: float = DEFAULT_CUSUM_K,
    h: float = DEFAULT_CUSUM_H,
) -> CusumChart:
    """Tabular (two-sided) CUSUM of ``values``; k and h are in units of sigma (h is 4 or 5 in
    common practice, k = 0.5 detects a one-sigma shift fastest).

    ``target``/``sigma`` are given or estimated from the first ``baseline`` samples; with
    ``sample_sizes`` each value is a mean of n_i observations and is standardized by
    ``sigma / sqrt(n_i)`` (``sigma sqrt(1 / n_i + 1 / N)`` with ``target_sample_size`` N). The
    sums start from 0 (no fast initial response).
    """
    x = _as_1d(values, "values")
    sizes = _sample_sizes(sample_sizes, x.size)
    if not k >= 0:
        raise ChartInputError(f"k: must be >= 0, got {k!r}")
    if not h > 0:
        raise ChartInputError(f"h: must be > 0, got {h!r}")
    mu, s = _target_sigma(x, sizes, target, sigma, baseline)
    target_n = _estimate_size(target_sample_size, "target_sample_size")
    inverse_sizes = 1.0 / sizes + (0.0 if target_n is None else 1.0 / target_n)
    standardized = (x - mu) / (s * np.sqrt(inverse_sizes))
    upper = np.empty_like(standardized)
    lower = np.empty_like(standardized)
    # The max(0, .) reset makes the recursion non-linear; series are per entity and short
    # (one value per window), so a scalar loop is the clearest correct form.
    c_plus = c_minus = 0.0
    for i, u in enumerate(standardized.tolist()):
        c_plus = max(0.0, u - k + c_plus)
        c_minus = max(0.0, -u - k + c_minus)
        upper[i], lower[i] = c_plus, c_minus
    return CusumChart(
        target=mu,
        sigma=s,
        k=float(k),
        h=float(h),
        upper=_frozen(upper),
        lower=_frozen(lower),
        signal_upper=_frozen(upper > h),
        signal_lower=_frozen(lower > h),
    )
