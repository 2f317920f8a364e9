"""Learning-curve simulation bookkeeping and the labels-to-target summaries."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from labelqc.active import (
    ActiveLearningInputError,
    HybridSampling,
    LearningCurve,
    RandomSampling,
    Sam2UncertaintySampling,
    UncertaintySampling,
    labels_to_reach,
    median_labels_to_reach,
    random_initial_indices,
    simulate_learning_curve,
)


def make_model() -> LogisticRegression:
    return LogisticRegression(max_iter=500)


def small_pool(seed: int = 0, n_items: int = 90) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0.0, 3.0, size=(3, 2))
    truth = rng.integers(0, 3, n_items)
    features = centers[truth] + rng.normal(0.0, 1.0, size=(n_items, 2))
    return features, truth


def curve(accuracy: list[float], start: int = 20, step: int = 10) -> LearningCurve:
    n_labels = start + step * np.arange(len(accuracy))
    return LearningCurve("x", 0, n_labels.astype(np.int64), np.asarray(accuracy))


def test_labels_to_reach_is_the_first_budget_at_or_above_target() -> None:
    rising = curve([0.5, 0.94, 0.95, 0.93, 0.97])
    assert labels_to_reach(rising, 0.95) == 40
    assert labels_to_reach(rising, 0.5) == 20
    assert labels_to_reach(rising, 0.99) is None


def test_median_counts_unreached_curves_as_beyond_the_budget() -> None:
    reached_40 = curve([0.5, 0.9, 0.96])
    reached_30 = curve([0.5, 0.96, 0.96])
    never = curve([0.5, 0.6, 0.7])
    assert median_labels_to_reach([reached_40, reached_30, never], 0.95) == 40.0
    assert median_labels_to_reach([reached_40, reached_30], 0.95) == 35.0
    assert median_labels_to_reach([reached_30, never, never], 0.95) is None
    assert median_labels_to_reach([], 0.95) is None


def test_budget_caps_the_last_batch_and_the_curve_is_reproducible() -> None:
    features, truth = small_pool()
    initial = random_initial_indices(features.shape[0], 10, seed=4)
    kwargs = {"initial_indices": initial, "batch_size": 10, "budget": 45, "seed": 2}
    first = simulate_learning_curve(
        features, truth, features, truth, make_model, UncertaintySampling(), **kwargs
    )
    again = simulate_learning_curve(
        features, truth, features, truth, make_model, UncertaintySampling(), **kwargs
    )
    assert first.n_labels.tolist() == [10, 20, 30, 40, 45]
    np.testing.assert_array_equal(first.accuracy, again.accuracy)
    assert first.strategy == "margin" and first.seed == 2
    assert np.all((first.accuracy >= 0) & (first.accuracy <= 1))


def test_stops_when_the_pool_runs_out_and_then_matches_a_full_fit() -> None:
    features, truth = small_pool(1, n_items=40)
    initial = random_initial_indices(40, 8, seed=0)
    result = simulate_learning_curve(
        features,
        truth,
        features,
        truth,
        make_model,
        HybridSampling(),
        initial_indices=initial,
        batch_size=15,
        budget=1000,
        seed=0,
    )
    assert result.n_labels.tolist() == [8, 23, 38, 40]
    full = make_model().fit(features, truth)
    assert result.accuracy[-1] == pytest.approx(full.score(features, truth))


def test_random_initial_indices_are_distinct_sorted_and_seeded() -> None:
    picks = random_initial_indices(100, 20, seed=5)
    assert picks.size == 20 == np.unique(picks).size
    assert np.all(np.diff(picks) > 0)
    np.testing.assert_array_equal(picks, random_initial_indices(100, 20, seed=5))
    with pytest.raises(ActiveLearningInputError, match="n_initial"):
        random_initial_indices(10, 11, seed=0)


def test_bad_simulation_inputs_are_rejected() -> None:
    features, truth = small_pool()
    initial = random_initial_indices(features.shape[0], 10, seed=0)
    common = {"batch_size": 5, "budget": 30, "seed": 0}
    with pytest.raises(ActiveLearningInputError, match="strategy"):
        simulate_learning_curve(
            features,
            truth,
            features,
            truth,
            make_model,
            Sam2UncertaintySampling(),
            initial_indices=initial,
            **common,
        )
    partly_unlabeled = truth.copy()
    partly_unlabeled[0] = -1
    with pytest.raises(ActiveLearningInputError, match="labels"):
        simulate_learning_curve(
            features,
            partly_unlabeled,
            features,
            truth,
            make_model,
            RandomSampling(),
            initial_indices=initial,
            **common,
        )
    with pytest.raises(ActiveLearningInputError, match="initial_indices"):
        simulate_learning_curve(
            features,
            truth,
            features,
            truth,
            make_model,
            RandomSampling(),
            initial_indices=[features.shape[0]],
            **common,
        )
    with pytest.raises(ActiveLearningInputError, match="budget"):
        simulate_learning_curve(
            features,
            truth,
            features,
            truth,
            make_model,
            RandomSampling(),
            initial_indices=initial,
            batch_size=5,
            budget=5,
            seed=0,
        )
    with pytest.raises(ActiveLearningInputError, match="test_labels"):
        simulate_learning_curve(
            features,
            truth,
            features[:0],
            truth[:0],
            make_model,
            RandomSampling(),
            initial_indices=initial,
            **common,
        )
