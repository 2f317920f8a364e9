"""Cohen's kappa (two raters, optionally weighted) and Fleiss' kappa (many raters)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from labelqc.agreement.results import UndefinedAgreement

Weights = Literal["linear", "quadratic"] | None

NO_PAIRED_ITEMS = "no item was rated by both raters"
SINGLE_CATEGORY = (
    "chance disagreement is zero: the ratings use a single category, so agreement beyond "
    "chance is undefined"
)


def disagreement_weights(n_categories: int, weights: Weights) -> np.ndarray:
    """(K x K) disagreement weights over ordered categories 0..K-1.

    None: 0 on the diagonal, 1 elsewhere; "linear": |i - j|; "quadratic": (i - j)^2.
    (Scaling the weights does not change kappa, so no normalisation by K - 1 is applied.)
    """
    index = np.arange(n_categories)
    diff = np.abs(index[:, None] - index[None, :]).astype(np.float64)
    if weights is None:
        return (diff > 0).astype(np.float64)
    if weights == "linear":
        return diff
    if weights == "quadratic":
        return diff**2
    raise ValueError(f"weights must be None, 'linear' or 'quadratic'; got {weights!r}")


def encode_rating_pairs(a: object, b: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of the items both raters rated, over the sorted union of their labels.

    Returns (codes_a, codes_b, categories). Items where either rating is missing
    (NaN/None/pd.NA) are dropped.
    """
    first = np.asarray(a)
    second = np.asarray(b)
    if first.ndim != 1 or second.ndim != 1:
        raise ValueError("a and b must be 1-D sequences of labels")
    if first.shape != second.shape:
        raise ValueError(
            f"a and b must have the same length (one rating per item); got {first.size} "
            f"and {second.size}"
        )
    both = ~(np.asarray(pd.isna(first), dtype=bool) | np.asarray(pd.isna(second), dtype=bool))
    pooled = np.concatenate([first[both], second[both]])
    try:
        codes, categories = pd.factorize(pooled, sort=True)
    except TypeError as error:
        raise ValueError("labels in a and b cannot be ordered against each other") from error
    n_rated = int(both.sum())
    return codes[:n_rated], codes[n_rated:], np.asarray(categories)


def kappa_from_confusions(confusions: np.ndarray, weight_matrix: np.ndarray) -> np.ndarray:
    """Kappa per (B, K, K) confusion-count matrix; NaN where chance disagreement is 0."""
    total = confusions.sum(axis=(1, 2))
    safe_total = np.where(total > 0, total, 1.0)
    observed = (confusions * weight_matrix).sum(axis=(1, 2)) / safe_total
    rows = confusions.sum(axis=2) / safe_total[:, None]
    cols = confusions.sum(axis=1) / safe_total[:, None]
    expected = np.einsum("bi,bj,ij->b", rows, cols, weight_matrix)
    kappa = np.full(total.shape, np.nan)
    defined = (total > 0) & (expected > 0)
    kappa[defined] = 1.0 - observed[defined] / expected[defined]
    return kappa


def cohen_kappa(a: object, b: object, weights: Weights = None) -> float:
    """Cohen's kappa between two raters' labels of the same items.

    Args:
        a, b: one label per item (same length); items with a missing label in either are
            dropped.
        weights: None (nominal), "linear" or "quadratic"; weighted forms treat the sorted
            distinct labels as ordered categories.

    Returns ``1 - sum(w * O) / sum(w * E)`` with O the observed and E the chance (product of
    marginals) joint distribution. Raises UndefinedAgreement when no item is rated by both or
    all ratings fall in a single category.
    """
    codes_a, codes_b, categories = encode_rating_pairs(a, b)
    weight_matrix = disagreement_weights(max(categories.size, 1), weights)
    if codes_a.size == 0:
        raise UndefinedAgreement(NO_PAIRED_ITEMS)
    n_categories = categories.size
    confusion = np.bincount(codes_a * n_categories + codes_b, minlength=n_categories**2).reshape(
        1, n_categories, n_categories
    )
    kappa = kappa_from_confusions(confusion.astype(np.float64), weight_matrix)[0]
    if np.isnan(kappa):
        raise UndefinedAgreement(SINGLE_CATEGORY)
    return float(kappa)


def validate_count_table(counts: object) -> np.ndarray:
    """Check a subjects x categories count table and return it as float64.

    Counts must be finite non-negative integers and every subject must have the same number
    of ratings (Fleiss' kappa assumes a fixed number of raters per subject).
    """
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2:
        raise ValueError(f"counts must be 2-D (subjects x categories), got shape {table.shape}")
    if not np.isfinite(table).all():
        raise ValueError("counts must be finite")
    if (table < 0).any() or not np.array_equal(table, np.round(table)):
        raise ValueError("counts must be non-negative integers")
    per_subject = table.sum(axis=1)
    if per_subject.size and not np.all(per_subject == per_subject[0]):
        bad = int(np.flatnonzero(per_subject != per_subject[0])[0])
        raise ValueError(
            f"counts row {bad} has {per_subject[bad]:g} ratings but row 0 has "
            f"{per_subject[0]:g}; Fleiss' kappa needs the same number of raters per subject"
        )
    return table


def fleiss_from_sums(
    category_totals: np.ndarray,
    squared_totals: np.ndarray,
    n_subjects: np.ndarray,
    raters: float,
) -> np.ndarray:
    """Batched Fleiss' kappa from per-replicate sums; NaN where undefined.

    category_totals (B, K): sum over subjects of n_ij; squared_totals (B,): sum of n_ij^2;
    n_subjects (B,): subjects in the replicate; raters: ratings per subject.
    """
    ratings = n_subjects * raters
    safe_ratings = np.where(ratings > 0, ratings, 1.0)
    proportions = category_totals / safe_ratings[:, None]
    chance = (proportions**2).sum(axis=1)
    safe_subjects = np.where(n_subjects > 0, n_subjects, 1.0)
    mean_agreement = (squared_totals - ratings) / (safe_subjects * raters * (raters - 1.0))
    kappa = np.full(chance.shape, np.nan)
    defined = (n_subjects > 0) & (chance < 1.0)
    kappa[defined] = (mean_agreement[defined] - chance[defined]) / (1.0 - chance[defined])
    return kappa


def fleiss_kappa(counts: object) -> float:
    """Fleiss' kappa of a subjects x categories table of rating counts.

    ``counts[i, j]`` is how many raters put subject i in category j; every row must sum to the
    same number of raters n >= 2. kappa = (P_bar - P_e) / (1 - P_e) with
    P_i = (sum_j n_ij^2 - n) / (n (n - 1)) and P_e = sum_j p_j^2.
    Raises UndefinedAgreement for no subjects, fewer than two raters, or a single category.
    """
    table = validate_count_table(counts)
    if table.shape[0] == 0:
        raise UndefinedAgreement("no subjects were rated")
    raters = float(table[0].sum())
    if raters < 2:
        raise UndefinedAgreement("fewer than two ratings per subject: agreement is undefined")
    kappa = fleiss_from_sums(
        table.sum(axis=0)[None, :],
        np.array([(table**2).sum()]),
        np.array([float(table.shape[0])]),
        raters,
    )[0]
    if np.isnan(kappa):
        raise UndefinedAgreement(SINGLE_CATEGORY)
    return float(kappa)
