"""Population Stability Index for class-mix distributions.

``PSI = sum_i (a_i - e_i) * ln(a_i / e_i)`` over bins, with ``e``/``a`` the expected and actual
proportions. Counts are normalized to proportions; a bin that is empty on one side is floored at
``EMPTY_BIN_FLOOR`` (1e-4) before the sum, without renormalizing, which is the usual practice and
keeps PSI finite. Without empty bins PSI is exactly symmetric in (expected, actual).

Bands (common credit-risk convention): below 0.1 stable, 0.1 to 0.25 moderate shift, at or above
0.25 significant shift.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

EMPTY_BIN_FLOOR = 1e-4
PSI_MODERATE = 0.1
PSI_SIGNIFICANT = 0.25

PsiBand = Literal["stable", "moderate", "significant"]
Distribution = ArrayLike | Mapping[int, float]


class PsiInputError(ValueError):
    """A PSI input is not a usable distribution."""


def _as_proportions(values: np.ndarray, name: str) -> np.ndarray:
    if values.ndim != 1:
        raise PsiInputError(f"{name}: expected a 1-D sequence of counts or proportions")
    if values.size == 0:
        raise PsiInputError(f"{name}: has no bins")
    if not np.isfinite(values).all() or (values < 0).any():
        raise PsiInputError(f"{name}: counts/proportions must be finite and >= 0")
    total = values.sum()
    if total <= 0:
        raise PsiInputError(f"{name}: is all zero (no observations)")
    return values / total


def align_distributions(
    expected: Distribution, actual: Distribution
) -> tuple[np.ndarray, np.ndarray, list[int] | None]:
    """Return (expected, actual) as aligned float arrays, plus the bin keys for mappings.

    Mappings ``{class_id: count}`` are aligned on the sorted union of their keys (a key missing
    on one side counts 0); sequences must have the same length.
    """
    if isinstance(expected, Mapping) != isinstance(actual, Mapping):
        raise PsiInputError("expected/actual: pass two mappings or two sequences, not one of each")
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        keys = sorted(set(expected) | set(actual))
        exp = np.array([float(expected.get(key, 0.0)) for key in keys], dtype=np.float64)
        act = np.array([float(actual.get(key, 0.0)) for key in keys], dtype=np.float64)
        return exp, act, keys
    exp = np.asarray(expected, dtype=np.float64)
    act = np.asarray(actual, dtype=np.float64)
    if exp.shape != act.shape:
        raise PsiInputError(f"expected/actual: shapes differ ({exp.shape} vs {act.shape})")
    return exp, act, None


def psi(expected: Distribution, actual: Distribution, *, floor: float = EMPTY_BIN_FLOOR) -> float:
    """Population Stability Index between two binned distributions (see module doc).

    ``expected``/``actual``: counts or proportions per bin, as equal-length sequences or as
    ``{bin: count}`` mappings. Returns a float >= 0 (0 when the distributions are equal).
    """
    exp_raw, act_raw, _ = align_distributions(expected, actual)
    if not floor > 0:
        raise PsiInputError(f"floor: must be > 0, got {floor!r}")
    exp = np.maximum(_as_proportions(exp_raw, "expected"), floor)
    act = np.maximum(_as_proportions(act_raw, "actual"), floor)
    return float(np.sum((act - exp) * np.log(act / exp)))


def psi_band(value: float) -> PsiBand:
    """Name the PSI band: "stable" (< 0.1), "moderate" (0.1 to < 0.25), "significant" (>= 0.25)."""
    if not np.isfinite(value) or value < 0:
        raise PsiInputError(f"value: PSI must be a finite number >= 0, got {value!r}")
    if value < PSI_MODERATE:
        return "stable"
    if value < PSI_SIGNIFICANT:
        return "moderate"
    return "significant"
