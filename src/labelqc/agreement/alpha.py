"""Krippendorff's alpha through coincidence matrices (Krippendorff 2011).

The coincidence matrix ``o`` (values x values) counts, over units with ``m_u >= 2`` values,
every ordered pair of values from different coders within a unit with weight
``1 / (m_u - 1)``. With marginals ``n_c = sum_k o_ck`` and ``n = sum_c n_c``:

    alpha = 1 - D_o / D_e,   D_o = sum_ck o_ck d_ck / n,
                             D_e = sum_ck n_c n_k d_ck / (n (n - 1))

Coincidence matrices of disjoint unit sets add, so shards of a data set can be reduced
separately and merged exactly (``CoincidenceMatrix.__add__`` / ``merge_coincidences``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from labelqc.agreement._encoding import encode_codes, encode_reliability_data
from labelqc.agreement._signatures import signature_coincidences
from labelqc.agreement.results import UndefinedAgreement

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

NO_PAIRABLE_UNITS = "no unit has values from two or more coders (nothing is pairable)"
NO_EXPECTED_DISAGREEMENT = (
    "expected disagreement is zero: all pairable values are the same, so agreement "
    "beyond chance is undefined"
)


@dataclass(frozen=True, eq=False)
class CoincidenceMatrix:
    """A coincidence matrix and the values its rows/columns stand for.

    Unpacks as ``matrix, values = coincidence_matrix(...)``. ``a + b`` merges the matrices of
    two disjoint unit sets exactly (numeric domains are aligned on their sorted union;
    non-numeric domains must be identical).
    """

    matrix: np.ndarray
    values: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.matrix
        yield self.values

    @property
    def n_pairable_values(self) -> float:
        """n: the number of pairable values (the sum of the matrix)."""
        return float(self.matrix.sum())

    def __add__(self, other: CoincidenceMatrix) -> CoincidenceMatrix:
        if not isinstance(other, CoincidenceMatrix):
            return NotImplemented
        if self.values.shape == other.values.shape and np.array_equal(self.values, other.values):
            return CoincidenceMatrix(self.matrix + other.matrix, self.values)
        if self.values.dtype.kind not in "iuf" or other.values.dtype.kind not in "iuf":
            raise ValueError(
                "cannot merge coincidence matrices over different non-numeric value domains; "
                "pass the same value_domain when building each shard"
            )
        union = np.union1d(self.values, other.values)
        merged = np.zeros((union.size, union.size))
        for part in (self, other):
            pos = np.searchsorted(union, part.values)
            merged[np.ix_(pos, pos)] += part.matrix
        return CoincidenceMatrix(merged, union)


def merge_coincidences(parts: Iterable[CoincidenceMatrix]) -> CoincidenceMatrix:
    """Sum the coincidence matrices of disjoint shards (see ``CoincidenceMatrix.__add__``)."""
    merged: CoincidenceMatrix | None = None
    for part in parts:
        merged = part if merged is None else merged + part
    if merged is None:
        raise ValueError("parts is empty: nothing to merge")
    return merged


def unit_weights(unit: np.ndarray, n_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Values per unit ``m_u`` and the pair weight ``1/(m_u - 1)`` (0 for unpairable units)."""
    per_unit = np.bincount(unit, minlength=n_units)
    weight = np.zeros(n_units)
    pairable = per_unit >= 2
    weight[pairable] = 1.0 / (per_unit[pairable] - 1)
    return per_unit, weight


def value_pairs(
    unit: np.ndarray, code: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ordered pairs of values from different coders within each unit.

    Returns (pair_unit, first_code, second_code, weight) with weight ``1/(m_u - 1)``.
    Memory is O(sum_u m_u^2), independent of how many coders there are overall.
    """
    per_unit, weight = unit_weights(unit, n_units)
    keep = per_unit[unit] >= 2
    unit, code = unit[keep], code[keep]
    order = np.argsort(unit, kind="stable")
    unit, code = unit[order], code[order]
    # Unpairable units were dropped, so entry offsets come from the kept counts.
    kept_per_unit = np.where(per_unit >= 2, per_unit, 0)
    group_size = kept_per_unit[unit]
    group_start = np.cumsum(kept_per_unit) - kept_per_unit
    first = np.repeat(np.arange(unit.size), group_size)
    block_start = np.repeat(np.cumsum(group_size) - group_size, group_size)
    second = np.repeat(group_start[unit], group_size) + (np.arange(first.size) - block_start)
    distinct = first != second
    first, second = first[distinct], second[distinct]
    pair_unit = unit[first]
    return pair_unit, code[first], code[second], weight[pair_unit]


def coincidences_from_codes(
    unit: np.ndarray, code: np.ndarray, n_units: int, n_values: int
) -> np.ndarray:
    """The (n_values x n_values) coincidence matrix of coded long-form values."""
    per_unit, weight = unit_weights(unit, n_units)
    n_pair_entries = int((per_unit * np.maximum(per_unit - 1, 0)).sum())
    if n_pair_entries == 0:
        return np.zeros((n_values, n_values))
    if n_units * n_values <= n_pair_entries:
        # Few distinct values: per-unit value counts n_uc and one (V x N) @ (N x V) product,
        # o = sum_u w_u (n_u n_u^T - diag(n_u)).
        counts = np.bincount(unit * n_values + code, minlength=n_units * n_values)
        counts = counts.reshape(n_units, n_values).astype(np.float64)
        weighted = counts * weight[:, None]
        matrix = weighted.T @ counts
        # sum w n (n - 1) directly, so an exact 0 cannot come out as -1e-16.
        matrix[np.diag_indices(n_values)] = (weighted * (counts - 1.0)).sum(axis=0)
        return matrix
    _pair_unit, first, second, pair_weight = value_pairs(unit, code, n_units)
    flat = np.bincount(first * n_values + second, weights=pair_weight, minlength=n_values**2)
    return flat.reshape(n_values, n_values)


def unit_coincidence_rows(
    unit: np.ndarray,
    code: np.ndarray,
    n_units: int,
    n_values: int,
    group: np.ndarray | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Per-unit (or per-group) coincidence contributions as sparse rows of length V*V.

    Rows sum to the flattened coincidence matrix; a bootstrap multiplies them by resampling
    weights. ``group`` maps unit -> group id (e.g. objects -> item) to resample groups instead.
    Returns the rows of units/groups that have at least one pair, and their ids.
    """
    pair_unit, first, second, pair_weight = value_pairs(unit, code, n_units)
    row_of_pair = pair_unit if group is None else np.asarray(group)[pair_unit]
    ids, row = np.unique(row_of_pair, return_inverse=True)
    rows = sp.csr_matrix(
        (pair_weight, (row, first * n_values + second)), shape=(ids.size, n_values**2)
    )
    rows.sum_duplicates()
    return rows, ids


def coincidence_matrix(
    reliability_data: object, value_domain: object | None = None
) -> CoincidenceMatrix:
    """Coincidence matrix of coders x units reliability data (NaN/None = missing).

    ``value_domain`` fixes the values (and, for ordinal data, their order); pass the same
    domain to every shard whose matrices will be added. Without it the values are the sorted
    distinct observed values.
    """
    if value_domain is None:
        fast = signature_coincidences(np.asarray(reliability_data))
        if fast is not None:
            return CoincidenceMatrix(*fast)
    encoded = encode_reliability_data(reliability_data, value_domain)
    matrix = coincidences_from_codes(
        encoded.unit, encoded.code, encoded.n_units, encoded.values.size
    )
    return CoincidenceMatrix(matrix, encoded.values)


def coincidence_matrix_from_long(
    unit: object, value: object, value_domain: object | None = None
) -> CoincidenceMatrix:
    """Coincidence matrix of long-form data: one (unit, value) row per coder's value.

    ``unit`` holds any hashable unit ids; rows with a missing value are ignored. Useful for
    crowd data where each coder sees few units (no dense coders x units matrix is built).
    """
    units = np.asarray(unit)
    values = np.asarray(value)
    if units.shape != values.shape or units.ndim != 1:
        raise ValueError("unit and value must be 1-D and of equal length")
    present = ~np.asarray(pd.isna(values), dtype=bool)
    unit_code, unit_ids = pd.factorize(units[present])
    codes, domain = encode_codes(values[present], value_domain)
    matrix = coincidences_from_codes(
        np.asarray(unit_code, dtype=np.int64), codes, len(unit_ids), domain.size
    )
    return CoincidenceMatrix(matrix, domain)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")


def _positions(values: np.ndarray, level: str) -> np.ndarray:
    if values.dtype.kind not in "iuf":
        raise ValueError(f"level {level!r} needs numeric values; got dtype {values.dtype}")
    return values.astype(np.float64)


def disagreement_sums(
    flat_coincidences: np.ndarray, values: np.ndarray, level: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched ``(sum o*d, sum n_c n_k d, n)`` for coincidence matrices flattened to rows.

    ``flat_coincidences`` is (B, V*V). The ordinal metric uses each matrix's own marginals:
    ``d_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2``, which equals the squared difference of
    the mid-ranks ``cumsum(n)_c - n_c/2``.
    """
    n_values = values.size
    batch = flat_coincidences.reshape(flat_coincidences.shape[0], n_values, n_values)
    marginals = batch.sum(axis=1)
    total = marginals.sum(axis=1)
    if level == "nominal":
        distance = (1.0 - np.eye(n_values))[None]
    elif level == "ordinal":
        mid_rank = np.cumsum(marginals, axis=1) - marginals / 2.0
        distance = (mid_rank[:, :, None] - mid_rank[:, None, :]) ** 2
    else:
        position = _positions(values, level)
        diff = position[:, None] - position[None, :]
        if level == "interval":
            distance = (diff**2)[None]
        else:
            both = position[:, None] + position[None, :]
            ratio = np.divide(diff, both, out=np.zeros_like(diff), where=both != 0)
            distance = (ratio**2)[None]
    observed = (batch * distance).sum(axis=(1, 2))
    expected = np.einsum(
        "bc,bk,bck->b", marginals, marginals, np.broadcast_to(distance, batch.shape)
    )
    return observed, expected, total


def alpha_batch(flat_coincidences: np.ndarray, values: np.ndarray, level: str) -> np.ndarray:
    """Alpha per row of (B, V*V) flattened coincidence matrices; NaN where undefined."""
    observed, expected, total = disagreement_sums(flat_coincidences, values, level)
    alpha = np.full(observed.shape, np.nan)
    defined = (total > 0) & (expected > 0)
    alpha[defined] = 1.0 - (total[defined] - 1.0) * observed[defined] / expected[defined]
    return alpha


def alpha_from_coincidences(
    coincidences: CoincidenceMatrix | np.ndarray,
    values: object | None = None,
    level: Level = "nominal",
) -> float:
    """Krippendorff's alpha from a (merged) coincidence matrix.

    Args:
        coincidences: a ``CoincidenceMatrix`` or a square, symmetric, non-negative array.
        values: the values of the rows/columns (taken from a ``CoincidenceMatrix`` if None);
            numeric for interval/ratio, ordered for ordinal.
        level: "nominal", "ordinal", "interval" or "ratio".

    Returns the coefficient; raises UndefinedAgreement when nothing is pairable or the
    expected disagreement is zero, ValueError on malformed input.
    """
    _check_level(level)
    if isinstance(coincidences, CoincidenceMatrix):
        matrix = coincidences.matrix
        domain = coincidences.values if values is None else np.asarray(values)
    else:
        matrix = np.asarray(coincidences, dtype=np.float64)
        if values is None:
            raise ValueError("values is required when coincidences is a plain array")
        domain = np.asarray(values)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"coincidences must be a square matrix, got shape {matrix.shape}")
    if domain.shape != (matrix.shape[0],):
        raise ValueError(f"values must have length {matrix.shape[0]}, got shape {domain.shape}")
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise ValueError("coincidences must be finite and non-negative")
    if not np.allclose(matrix, matrix.T, rtol=1e-9, atol=1e-9):
        raise ValueError("coincidences must be symmetric")
    if matrix.size == 0 or matrix.sum() <= 0:
        raise UndefinedAgreement(NO_PAIRABLE_UNITS)
    observed, expected, total = disagreement_sums(matrix.reshape(1, -1), domain, level)
    if expected[0] <= 0:
        raise UndefinedAgreement(NO_EXPECTED_DISAGREEMENT)
    return float(1.0 - (total[0] - 1.0) * observed[0] / expected[0])


def krippendorff_alpha(
    reliability_data: object, level: Level = "nominal", *, value_domain: object | None = None
) -> float:
    """Krippendorff's alpha of coders x units reliability data.

    Args:
        reliability_data: array-like (coders x units); NaN/None marks a missing value.
        level: "nominal" (default), "ordinal", "interval" or "ratio".
        value_domain: optional values in order (the ordinal metric uses that order).

    Returns alpha in (-inf, 1]; raises UndefinedAgreement when no unit has two values or all
    pairable values are equal, ValueError on malformed input.
    """
    _check_level(level)
    matrix, values = coincidence_matrix(reliability_data, value_domain)
    return alpha_from_coincidences(matrix, values, level)
