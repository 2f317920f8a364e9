"""Learning-curve simulation: replay active learning on a fully labeled data set.

The oracle reveals a picked item's true label; after every batch a fresh model is trained and
scored on a fixed held-out set. Used by bench/bench_active_learning.py and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from labelqc.active._validation import (
    ActiveLearningInputError,
    as_batch_size,
    as_features,
    as_labels,
)
from labelqc.active.rounds import (
    UNLABELED,
    ModelFactory,
    evaluate_accuracy,
    fit_model,
    strategy_input,
)
from labelqc.active.strategies import QueryStrategy


@dataclass(frozen=True)
class LearningCurve:
    """Held-out accuracy after each batch.

    n_labels[i]: labels spent when accuracy[i] was measured (starts at the seed set size).
    """

    strategy: str
    seed: int
    n_labels: NDArray[np.int64]
    accuracy: NDArray[np.float64]


def random_initial_indices(n_items: int, n_initial: int, seed: int) -> NDArray[np.int64]:
    """`n_initial` distinct item indices drawn uniformly with `seed` (the seed label set)."""
    if not 1 <= n_initial <= n_items:
        raise ActiveLearningInputError(
            f"n_initial: must be between 1 and {n_items}, got {n_initial}"
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_items, size=n_initial, replace=False)).astype(np.int64)


def simulate_learning_curve(
    features: Any,
    labels: Any,
    test_features: Any,
    test_labels: Any,
    model_factory: ModelFactory,
    strategy: QueryStrategy,
    *,
    initial_indices: Sequence[int] | NDArray[np.int64],
    batch_size: int,
    budget: int,
    seed: int,
    embeddings: Any = None,
    classes: Sequence[int] | None = None,
) -> LearningCurve:
    """Run rounds until `budget` labels are spent (or the pool is exhausted).

    features / labels: the pool with its true labels (all >= 0). test_*: held-out set.
    initial_indices: the seed label set (see random_initial_indices).
    seed: seeds the strategy's generator for the whole run. embeddings: diversity space.
    'scores' strategies (SAM 2) are not supported: their scores come from outside the model.
    """
    matrix = as_features(features, None)
    truth = as_labels(labels)
    if truth.shape[0] != matrix.shape[0] or (truth == UNLABELED).any():
        raise ActiveLearningInputError("labels: expected one true label (>= 0) per pool item")
    k = as_batch_size(batch_size)
    if strategy.input_kind == "scores":
        raise ActiveLearningInputError(
            f"strategy: {strategy.name!r} needs external scores and cannot be simulated here"
        )
    diversity_space = None
    if strategy.needs_features:
        diversity_space = (
            matrix if embeddings is None else as_features(embeddings, matrix.shape[0], "embeddings")
        )
    class_ids = None if classes is None else np.unique(np.asarray(classes, dtype=np.int64))
    start = np.unique(np.asarray(initial_indices, dtype=np.int64))
    if start.size == 0 or start.min() < 0 or start.max() >= matrix.shape[0]:
        raise ActiveLearningInputError("initial_indices: expected distinct pool indices")
    if budget < start.size:
        raise ActiveLearningInputError(
            f"budget: must be >= the {start.size} seed labels, got {budget}"
        )

    rng = np.random.default_rng(seed)
    observed = np.full(matrix.shape[0], UNLABELED, dtype=np.int64)
    observed[start] = truth[start]
    n_labels: list[int] = []
    accuracy: list[float] = []
    while True:
        labeled = observed != UNLABELED
        fitted = fit_model(matrix, observed, None, model_factory, class_ids)
        score = evaluate_accuracy(fitted, test_features, test_labels, matrix.shape[1])
        if score is None:
            raise ActiveLearningInputError("test_labels: the held-out set is empty")
        n_labels.append(int(labeled.sum()))
        accuracy.append(score)
        remaining = min(k, budget - n_labels[-1], int((~labeled).sum()))
        if remaining <= 0:
            break
        selection = strategy.select(
            strategy_input(strategy, fitted, matrix, None),
            diversity_space,
            remaining,
            labeled,
            rng,
        )
        observed[selection.indices] = truth[selection.indices]
    return LearningCurve(
        strategy=strategy.name,
        seed=seed,
        n_labels=np.asarray(n_labels, dtype=np.int64),
        accuracy=np.asarray(accuracy, dtype=np.float64),
    )


def labels_to_reach(curve: LearningCurve, target_accuracy: float) -> int | None:
    """Fewest labels at which the curve's accuracy is >= target; None if it never gets there."""
    reached = np.flatnonzero(curve.accuracy >= target_accuracy)
    return int(curve.n_labels[reached[0]]) if reached.size else None


def median_labels_to_reach(curves: Sequence[LearningCurve], target_accuracy: float) -> float | None:
    """Median over curves of labels_to_reach, counting a curve that never reaches the target as
    needing more than any budget; None when that median is itself "never" (or no curves)."""
    if not curves:
        return None
    needed = np.array(
        [
            np.inf if (value := labels_to_reach(curve, target_accuracy)) is None else value
            for curve in curves
        ],
        dtype=np.float64,
    )
    median = float(np.median(needed))
    return median if np.isfinite(median) else None
