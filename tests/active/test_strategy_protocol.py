"""Every strategy honours the common protocol: determinism, no labeled picks, batch caps."""

from __future__ import annotations

import numpy as np
import pytest

from labelqc.active import (
    ActiveLearningInputError,
    DiversitySampling,
    HybridSampling,
    QueryStrategy,
    RandomSampling,
    Sam2UncertaintySampling,
    Selection,
    UncertaintySampling,
)

N_ITEMS = 60
RNG = np.random.default_rng(42)
PROBAS = RNG.dirichlet(np.ones(4), size=N_ITEMS)
SCORES = RNG.random(N_ITEMS)
FEATURES = RNG.normal(size=(N_ITEMS, 3))
LABELED = np.zeros(N_ITEMS, dtype=bool)
LABELED[::4] = True

ALL_STRATEGIES: list[QueryStrategy] = [
    RandomSampling(),
    UncertaintySampling("least_confidence"),
    UncertaintySampling("margin"),
    UncertaintySampling("entropy"),
    Sam2UncertaintySampling(),
    DiversitySampling(),
    HybridSampling(),
]


def _input_for(strategy: QueryStrategy) -> np.ndarray | None:
    return {"probas": PROBAS, "scores": SCORES, "none": None}[strategy.input_kind]


def _select(
    strategy: QueryStrategy, batch_size: int, seed: int, labeled: np.ndarray = LABELED
) -> Selection:
    return strategy.select(
        _input_for(strategy), FEATURES, batch_size, labeled, np.random.default_rng(seed)
    )


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_implements_the_protocol(strategy: QueryStrategy) -> None:
    assert isinstance(strategy, QueryStrategy)
    assert strategy.input_kind in ("probas", "scores", "none")


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_picks_distinct_unlabeled_items_with_finite_scores(strategy: QueryStrategy) -> None:
    selection = _select(strategy, 10, 0)
    assert selection.indices.dtype == np.int64
    assert selection.indices.size == 10 == selection.scores.size
    assert np.unique(selection.indices).size == 10
    assert not LABELED[selection.indices].any()
    assert np.isfinite(selection.scores).all()


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_same_seed_same_selection(strategy: QueryStrategy) -> None:
    first = _select(strategy, 7, 123)
    again = _select(strategy, 7, 123)
    np.testing.assert_array_equal(first.indices, again.indices)
    np.testing.assert_array_equal(first.scores, again.scores)


def test_random_differs_across_seeds() -> None:
    picks = {tuple(_select(RandomSampling(), 5, seed).indices) for seed in range(5)}
    assert len(picks) > 1


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_batch_larger_than_the_unlabeled_pool_takes_all_of_it(strategy: QueryStrategy) -> None:
    selection = _select(strategy, 500, 0)
    assert sorted(selection.indices.tolist()) == np.flatnonzero(~LABELED).tolist()


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_fully_labeled_pool_gives_an_empty_selection(strategy: QueryStrategy) -> None:
    selection = _select(strategy, 3, 0, np.ones(N_ITEMS, dtype=bool))
    assert selection.indices.size == 0 == selection.scores.size


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
@pytest.mark.parametrize("batch_size", [0, -2, 2.5, True])
def test_bad_batch_size_is_rejected(strategy: QueryStrategy, batch_size: object) -> None:
    with pytest.raises(ActiveLearningInputError, match="batch_size"):
        _select(strategy, batch_size, 0)  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", ALL_STRATEGIES, ids=lambda s: s.name)
def test_labeled_mask_must_be_boolean_and_sized(strategy: QueryStrategy) -> None:
    with pytest.raises(ActiveLearningInputError, match="labeled_mask"):
        _select(strategy, 2, 0, LABELED.astype(int))
    if strategy.input_kind != "none" or strategy.needs_features:
        with pytest.raises(ActiveLearningInputError, match="labeled_mask"):
            _select(strategy, 2, 0, LABELED[:-1])


def test_sam2_uncertainty_takes_highest_scores_first() -> None:
    scores = np.array([0.1, 0.9, 0.5, 0.95, 0.0, 0.7])
    labeled = np.array([False, False, False, True, False, False])
    selection = Sam2UncertaintySampling().select(scores, None, 3, labeled, np.random.default_rng(0))
    assert selection.indices.tolist() == [1, 5, 2]
    np.testing.assert_allclose(selection.scores, [0.9, 0.7, 0.5])


@pytest.mark.parametrize("bad", [[0.2, 1.5], [-0.1, 0.3], [np.nan, 0.2], [[0.1, 0.2]]])
def test_sam2_uncertainty_rejects_scores_outside_unit_interval(bad: list) -> None:
    with pytest.raises(ActiveLearningInputError, match="probas_or_scores"):
        Sam2UncertaintySampling().select(
            bad, None, 1, np.zeros(2, dtype=bool), np.random.default_rng(0)
        )
