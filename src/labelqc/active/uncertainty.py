"""Uncertainty scores over class probabilities (higher = more uncertain = query first).

Definitions follow Settles (2009), "Active learning literature survey", with p(1) >= p(2) the two
largest class probabilities of a row:
- least confidence: 1 - p(1)
- margin:           1 - (p(1) - p(2))   (a one-class row has p(2) = 0)
- entropy:          -sum_c p_c ln p_c, with 0 ln 0 = 0 (nats)
These match scikit-activeml's `uncertainty_scores` for 'least_confident', 'margin_sampling'
and 'entropy' without a cost matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from labelqc.active._validation import ActiveLearningInputError, as_probas

UncertaintyMethod = Literal["least_confidence", "margin", "entropy"]


def least_confidence_scores(probas: Any) -> NDArray[np.float64]:
    """1 - max_c p_c for each row of an (n_items, n_classes) probability matrix."""
    checked = as_probas(probas)
    if checked.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    return 1.0 - checked.max(axis=1)


def margin_scores(probas: Any) -> NDArray[np.float64]:
    """1 - (p(1) - p(2)) for each row; the smallest top-2 gap gets the highest score."""
    checked = as_probas(probas)
    if checked.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    if checked.shape[1] == 1:
        return 1.0 - checked[:, 0]
    top_two = np.partition(checked, checked.shape[1] - 2, axis=1)[:, -2:]
    return 1.0 - (top_two[:, 1] - top_two[:, 0])


def entropy_scores(probas: Any) -> NDArray[np.float64]:
    """Shannon entropy in nats, -sum_c p_c ln p_c, with 0 ln 0 taken as 0."""
    checked = as_probas(probas)
    if checked.shape[0] == 0:
        return np.zeros(0, dtype=np.float64)
    positive = checked > 0.0
    logs = np.log(np.where(positive, checked, 1.0))
    return -(checked * logs).sum(axis=1)


UNCERTAINTY_SCORERS: dict[str, Callable[[Any], NDArray[np.float64]]] = {
    "least_confidence": least_confidence_scores,
    "margin": margin_scores,
    "entropy": entropy_scores,
}


def uncertainty_scores(probas: Any, method: UncertaintyMethod) -> NDArray[np.float64]:
    """Dispatch to one of the scores above by name ('least_confidence', 'margin', 'entropy')."""
    scorer = UNCERTAINTY_SCORERS.get(method)
    if scorer is None:
        raise ActiveLearningInputError(
            f"method: expected one of {sorted(UNCERTAINTY_SCORERS)}, got {method!r}"
        )
    return scorer(probas)
