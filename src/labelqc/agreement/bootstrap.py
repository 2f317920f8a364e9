"""Report-facing agreement values with percentile bootstrap intervals over units.

Every coefficient here is a function of sums over units (confusion counts for Cohen's kappa,
category and squared counts for Fleiss' kappa, coincidence contributions for alpha). A
bootstrap replicate draws units with replacement; its sums are ``W @ F`` where ``F`` holds
one row of contributions per unit and ``W`` (replicates x units) the draw counts, so whole
batches of replicates cost one (sparse) matrix product.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from labelqc.agreement._encoding import encode_reliability_data, missing_mask
from labelqc.agreement.alpha import (
    LEVELS,
    NO_EXPECTED_DISAGREEMENT,
    NO_PAIRABLE_UNITS,
    Level,
    alpha_batch,
    krippendorff_alpha,
    unit_coincidence_rows,
)
from labelqc.agreement.kappa import (
    NO_PAIRED_ITEMS,
    SINGLE_CATEGORY,
    Weights,
    disagreement_weights,
    encode_rating_pairs,
    fleiss_from_sums,
    kappa_from_confusions,
    validate_count_table,
)
from labelqc.agreement.results import AgreementResult, UndefinedAgreement

# Upper bound on the cells of one chunk of replicates (weights and sums).
_MAX_WEIGHT_CELLS = 1 << 23

Statistic = Callable[[np.ndarray], np.ndarray]


def check_bootstrap_args(n_boot: int, confidence: float) -> None:
    if not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ValueError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def bootstrap_replicates(
    features: np.ndarray | sp.spmatrix, statistic: Statistic, n_boot: int, seed: int
) -> np.ndarray:
    """Statistic of ``n_boot`` resamples of the rows (units) of ``features``.

    ``statistic`` maps (B, D) column sums to (B,) values, NaN where undefined. Deterministic
    for a given seed.
    """
    n_units = features.shape[0]
    rng = np.random.default_rng(seed)
    # Bound both the weights (chunk x units) and the sums (chunk x features) held at once.
    chunk = max(1, _MAX_WEIGHT_CELLS // max(n_units, features.shape[1], 1))
    replicates: list[np.ndarray] = []
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = rng.integers(0, n_units, size=(size, n_units))
        offsets = (np.arange(size) * n_units)[:, None]
        weights = np.bincount((draws + offsets).ravel(), minlength=size * n_units)
        weights = weights.reshape(size, n_units).astype(np.float64)
        if sp.issparse(features):
            sums = np.asarray((features.T @ weights.T).T)
        else:
            sums = weights @ features
        replicates.append(statistic(sums))
    return np.concatenate(replicates) if replicates else np.empty(0)


def percentile_interval(
    replicates: np.ndarray, confidence: float
) -> tuple[float | None, float | None, int]:
    """Percentile interval of the defined (non-NaN) replicates and how many there were."""
    defined = replicates[~np.isnan(replicates)]
    if defined.size == 0:
        return None, None, 0
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(defined, [tail, 100.0 - tail])
    return float(low), float(high), int(defined.size)


def _result(
    metric: str,
    features: np.ndarray | sp.spmatrix,
    statistic: Statistic,
    *,
    undefined_reason: str,
    n_coders: int,
    level: str | None,
    n_boot: int,
    confidence: float,
    seed: int,
) -> AgreementResult:
    n_units = features.shape[0]
    total = np.asarray(features.sum(axis=0)).reshape(1, -1)
    value = float(statistic(total)[0]) if n_units else float("nan")
    if np.isnan(value):
        return AgreementResult(metric, None, undefined_reason, n_units, n_coders, level)
    if n_boot == 0:
        return AgreementResult(metric, value, None, n_units, n_coders, level)
    replicates = bootstrap_replicates(features, statistic, n_boot, seed)
    low, high, n_defined = percentile_interval(replicates, confidence)
    return AgreementResult(
        metric,
        value,
        None,
        n_units,
        n_coders,
        level,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        n_boot=n_boot,
        n_boot_defined=n_defined,
    )


def cohen_kappa_result(
    a: object,
    b: object,
    weights: Weights = None,
    *,
    n_boot: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
) -> AgreementResult:
    """``cohen_kappa`` as an AgreementResult, with an optional bootstrap over items."""
    check_bootstrap_args(n_boot, confidence)
    codes_a, codes_b, categories = encode_rating_pairs(a, b)
    n_categories = max(categories.size, 1)
    weight_matrix = disagreement_weights(n_categories, weights)
    features = sp.csr_matrix(
        (np.ones(codes_a.size), (np.arange(codes_a.size), codes_a * n_categories + codes_b)),
        shape=(codes_a.size, n_categories**2),
    )

    def statistic(sums: np.ndarray) -> np.ndarray:
        return kappa_from_confusions(sums.reshape(-1, n_categories, n_categories), weight_matrix)

    reason = NO_PAIRED_ITEMS if codes_a.size == 0 else SINGLE_CATEGORY
    return _result(
        "cohen_kappa",
        features,
        statistic,
        undefined_reason=reason,
        n_coders=2,
        level=weights or "nominal",
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )


def fleiss_kappa_result(
    counts: object, *, n_boot: int = 0, confidence: float = 0.95, seed: int = 0
) -> AgreementResult:
    """``fleiss_kappa`` as an AgreementResult, with an optional bootstrap over subjects."""
    check_bootstrap_args(n_boot, confidence)
    table = validate_count_table(counts)
    raters = float(table[0].sum()) if table.shape[0] else 0.0
    n_categories = table.shape[1]
    if raters < 2:
        reason = (
            "no subjects were rated"
            if table.shape[0] == 0
            else ("fewer than two ratings per subject: agreement is undefined")
        )
        return AgreementResult("fleiss_kappa", None, reason, table.shape[0], int(raters))
    features = np.column_stack([table, (table**2).sum(axis=1), np.ones(table.shape[0])])

    def statistic(sums: np.ndarray) -> np.ndarray:
        return fleiss_from_sums(
            sums[:, :n_categories], sums[:, n_categories], sums[:, n_categories + 1], raters
        )

    return _result(
        "fleiss_kappa",
        features,
        statistic,
        undefined_reason=SINGLE_CATEGORY,
        n_coders=int(raters),
        level=None,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )


def alpha_result_from_codes(
    unit: np.ndarray,
    code: np.ndarray,
    values: np.ndarray,
    n_units: int,
    n_coders: int,
    level: Level,
    *,
    group: np.ndarray | None = None,
    metric: str = "krippendorff_alpha",
    n_boot: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
) -> AgreementResult:
    """Alpha of long-form coded values; ``group`` (unit -> group id) sets the resampled unit.

    ``n_units`` in the result counts the resampled units (groups, if given) that have pairs.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    check_bootstrap_args(n_boot, confidence)
    rows, _ids = unit_coincidence_rows(unit, code, n_units, values.size, group=group)

    def statistic(sums: np.ndarray) -> np.ndarray:
        return alpha_batch(sums, values, level)

    reason = NO_PAIRABLE_UNITS if rows.shape[0] == 0 else NO_EXPECTED_DISAGREEMENT
    return _result(
        metric,
        rows,
        statistic,
        undefined_reason=reason,
        n_coders=n_coders,
        level=level,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )


def krippendorff_alpha_result(
    reliability_data: object,
    level: Level = "nominal",
    *,
    value_domain: object | None = None,
    n_boot: int = 0,
    confidence: float = 0.95,
    seed: int = 0,
) -> AgreementResult:
    """``krippendorff_alpha`` as an AgreementResult, with an optional bootstrap over units.

    Only pairable units (two or more values) are resampled: the others contribute nothing to
    alpha. ``n_units`` counts the pairable units.
    """
    if n_boot == 0:
        # No resampling: the fast whole-data path, without per-unit contribution rows.
        check_bootstrap_args(n_boot, confidence)
        try:
            value: float | None = krippendorff_alpha(
                reliability_data, level, value_domain=value_domain
            )
            reason = None
        except UndefinedAgreement as undefined:
            value, reason = None, undefined.reason
        data = np.asarray(reliability_data)
        n_pairable = int(((~missing_mask(data)).sum(axis=0) >= 2).sum())
        return AgreementResult(
            "krippendorff_alpha", value, reason, n_pairable, int(data.shape[0]), level
        )
    encoded = encode_reliability_data(reliability_data, value_domain)
    return alpha_result_from_codes(
        encoded.unit,
        encoded.code,
        encoded.values,
        encoded.n_units,
        encoded.n_coders,
        level,
        n_boot=n_boot,
        confidence=confidence,
        seed=seed,
    )
