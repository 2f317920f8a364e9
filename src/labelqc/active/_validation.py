"""Input checks shared by the query strategies and the round helpers.

Every check returns a clean float64/bool/int64 array or raises `ActiveLearningInputError`
(a ValueError) whose message starts with the offending field's name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

# Probabilities from float32 models can drift from 1 by a few ulps; reject real garbage only.
PROBA_SUM_TOLERANCE = 1e-3


class ActiveLearningInputError(ValueError):
    """Bad input to an active-learning function; the message names the field."""


def as_probas(probas: Any, name: str = "probas") -> NDArray[np.float64]:
    """Check an (n_items, n_classes) matrix of class probabilities whose rows sum to 1."""
    array = np.asarray(probas, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] < 1:
        raise ActiveLearningInputError(
            f"{name}: expected a 2-D (n_items, n_classes) array, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ActiveLearningInputError(f"{name}: contains NaN or infinite values")
    if array.size and (array.min() < 0.0 or array.max() > 1.0):
        raise ActiveLearningInputError(f"{name}: probabilities must lie in [0, 1]")
    row_sums = array.sum(axis=1)
    bad_rows = np.flatnonzero(np.abs(row_sums - 1.0) > PROBA_SUM_TOLERANCE)
    if bad_rows.size:
        raise ActiveLearningInputError(
            f"{name}: row {int(bad_rows[0])} sums to {row_sums[bad_rows[0]]:.6g}, not 1"
        )
    return array


def as_unit_scores(scores: Any, n_items: int | None, name: str) -> NDArray[np.float64]:
    """Check a 1-D vector of per-item scores in [0, 1] (optionally of a given length)."""
    array = np.asarray(scores, dtype=np.float64)
    if array.ndim != 1:
        raise ActiveLearningInputError(f"{name}: expected a 1-D array, got shape {array.shape}")
    if n_items is not None and array.shape[0] != n_items:
        raise ActiveLearningInputError(
            f"{name}: expected {n_items} values (one per item), got {array.shape[0]}"
        )
    if not np.isfinite(array).all():
        raise ActiveLearningInputError(f"{name}: contains NaN or infinite values")
    if array.size and (array.min() < 0.0 or array.max() > 1.0):
        raise ActiveLearningInputError(f"{name}: scores must lie in [0, 1]")
    return array


def as_features(features: Any, n_items: int | None, name: str = "features") -> NDArray[np.float64]:
    """Check an (n_items, n_features) finite float matrix."""
    if features is None:
        raise ActiveLearningInputError(f"{name}: required by this strategy, got None")
    array = np.asarray(features, dtype=np.float64)
    if array.ndim != 2:
        raise ActiveLearningInputError(
            f"{name}: expected a 2-D (n_items, n_features) array, got shape {array.shape}"
        )
    if n_items is not None and array.shape[0] != n_items:
        raise ActiveLearningInputError(
            f"{name}: expected {n_items} rows (one per item), got {array.shape[0]}"
        )
    if not np.isfinite(array).all():
        raise ActiveLearningInputError(f"{name}: contains NaN or infinite values")
    return array


def as_labeled_mask(labeled_mask: Any, n_items: int | None) -> NDArray[np.bool_]:
    """Check a boolean vector marking the items that already have a label."""
    array = np.asarray(labeled_mask)
    if array.ndim != 1 or (n_items is not None and array.shape[0] != n_items):
        expected = "" if n_items is None else f" of {n_items}"
        raise ActiveLearningInputError(
            f"labeled_mask: expected a 1-D array{expected} booleans, got shape {array.shape}"
        )
    if array.dtype != np.bool_:
        raise ActiveLearningInputError(f"labeled_mask: expected dtype bool, got {array.dtype}")
    return array


def as_batch_size(batch_size: Any) -> int:
    """Check a positive integer batch size."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
        raise ActiveLearningInputError(f"batch_size: expected an int, got {batch_size!r}")
    if batch_size < 1:
        raise ActiveLearningInputError(f"batch_size: must be >= 1, got {batch_size}")
    return int(batch_size)


def as_labels(labels: Any) -> NDArray[np.int64]:
    """Check a 1-D integer label vector where -1 marks an unlabeled item."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ActiveLearningInputError(f"labels: expected a 1-D array, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        as_float = np.asarray(array, dtype=np.float64)
        if not np.isfinite(as_float).all() or not np.equal(np.round(as_float), as_float).all():
            raise ActiveLearningInputError("labels: expected integer class ids (-1 = unlabeled)")
    array = array.astype(np.int64)
    if array.size and array.min() < -1:
        raise ActiveLearningInputError(
            "labels: class ids must be >= 0, with -1 marking unlabeled items"
        )
    return array


def as_sample_weight(sample_weight: Any, n_items: int) -> NDArray[np.float64] | None:
    """Check optional non-negative per-item training weights."""
    if sample_weight is None:
        return None
    array = np.asarray(sample_weight, dtype=np.float64)
    if array.ndim != 1 or array.shape[0] != n_items:
        raise ActiveLearningInputError(
            f"sample_weight: expected {n_items} values (one per item), got shape {array.shape}"
        )
    if not np.isfinite(array).all() or (array.size and array.min() < 0.0):
        raise ActiveLearningInputError("sample_weight: weights must be finite and >= 0")
    return array
