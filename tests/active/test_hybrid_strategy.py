"""The hybrid keeps the most uncertain candidates and spreads the batch across them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.active import (
    ActiveLearningInputError,
    HybridSampling,
    UncertaintySampling,
    margin_scores,
)


def _probas_with_margins(margins: np.ndarray) -> np.ndarray:
    """Two-class rows whose margin score is exactly `margins` (1 - |p1 - p2|)."""
    gap = 1.0 - margins
    return np.column_stack([(1.0 + gap) / 2.0, (1.0 - gap) / 2.0])


def oracle_hybrid(
    scores: np.ndarray, features: np.ndarray, labeled: np.ndarray, k: int, factor: float
) -> list[int]:
    """Brute force: top ceil(factor*k) by score; the best first, then farthest from the picks."""
    unlabeled = [i for i in np.argsort(-scores, kind="stable") if not labeled[i]]
    candidates = unlabeled[: max(k, int(np.ceil(factor * k)))]
    picks = [candidates[0]]
    while len(picks) < min(k, len(candidates)):
        gaps = {
            c: min(np.linalg.norm(features[c] - features[p]) for p in picks)
            for c in candidates
            if c not in picks
        }
        picks.append(max(gaps, key=lambda c: (gaps[c], -c)))
    return picks


def test_near_duplicate_confusions_are_spread_over_clusters() -> None:
    rng = np.random.default_rng(0)
    # Three clusters of 10: A holds the 10 most uncertain items, B and C are slightly less so.
    centers = np.array([[0.0, 0.0], [30.0, 0.0], [0.0, 30.0]])
    features = np.repeat(centers, 10, axis=0) + rng.normal(0.0, 0.1, size=(30, 2))
    margins = np.concatenate([np.full(10, 0.99), np.full(10, 0.97), np.full(10, 0.96)])
    margins += rng.uniform(0, 1e-3, size=30)
    probas = _probas_with_margins(margins)
    labeled = np.zeros(30, dtype=bool)
    batch = 3

    by_margin = UncertaintySampling("margin").select(
        probas, None, batch, labeled, np.random.default_rng(0)
    )
    hybrid = HybridSampling(candidate_factor=10).select(
        probas, features, batch, labeled, np.random.default_rng(0)
    )
    assert {int(i) // 10 for i in by_margin.indices} == {0}
    assert sorted(int(i) // 10 for i in hybrid.indices) == [0, 1, 2]
    assert hybrid.indices[0] == by_margin.indices[0]


def test_factor_one_is_plain_top_k_uncertainty() -> None:
    rng = np.random.default_rng(1)
    probas = rng.dirichlet(np.ones(5), size=80)
    features = rng.normal(size=(80, 4))
    labeled = rng.random(80) < 0.3
    hybrid = HybridSampling(candidate_factor=1).select(
        probas, features, 12, labeled, np.random.default_rng(0)
    )
    margin = UncertaintySampling("margin").select(
        probas, None, 12, labeled, np.random.default_rng(0)
    )
    assert set(hybrid.indices.tolist()) == set(margin.indices.tolist())
    np.testing.assert_allclose(hybrid.scores, margin_scores(probas)[hybrid.indices])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_items=st.integers(3, 40),
    k=st.integers(1, 8),
    factor=st.sampled_from([1.0, 1.5, 2.0, 3.0, 5.0]),
    method=st.sampled_from(["least_confidence", "margin", "entropy"]),
)
def test_matches_brute_force_oracle(
    seed: int, n_items: int, k: int, factor: float, method: str
) -> None:
    rng = np.random.default_rng(seed)
    probas = rng.dirichlet(np.ones(3), size=n_items)
    features = rng.normal(size=(n_items, 2))
    labeled = rng.random(n_items) < 0.25
    strategy = HybridSampling(method=method, candidate_factor=factor)  # type: ignore[arg-type]
    selection = strategy.select(probas, features, k, labeled, np.random.default_rng(0))
    scores = UncertaintySampling(method).select(  # type: ignore[arg-type]
        probas, None, n_items, np.zeros(n_items, dtype=bool), np.random.default_rng(0)
    )
    full_scores = np.empty(n_items)
    full_scores[scores.indices] = scores.scores
    assert selection.indices.tolist() == oracle_hybrid(full_scores, features, labeled, k, factor)


def test_uses_the_given_feature_space() -> None:
    margins = np.array([0.99, 0.98, 0.97, 0.5])
    probas = _probas_with_margins(margins)
    labeled = np.zeros(4, dtype=bool)
    near_first = np.array([[0.0], [10.0], [0.1], [5.0]])
    near_second = np.array([[0.0], [0.1], [10.0], [5.0]])
    strategy = HybridSampling(candidate_factor=1.5)
    a = strategy.select(probas, near_first, 2, labeled, np.random.default_rng(0))
    b = strategy.select(probas, near_second, 2, labeled, np.random.default_rng(0))
    assert a.indices.tolist() == [0, 1]
    assert b.indices.tolist() == [0, 2]


@pytest.mark.parametrize("factor", [0.5, float("nan"), float("inf")])
def test_rejects_bad_candidate_factor(factor: float) -> None:
    with pytest.raises(ActiveLearningInputError, match="candidate_factor"):
        HybridSampling(candidate_factor=factor)


def test_rejects_features_of_the_wrong_length() -> None:
    with pytest.raises(ActiveLearningInputError, match="features"):
        HybridSampling().select(
            np.full((4, 2), 0.5),
            np.zeros((3, 2)),
            1,
            np.zeros(4, dtype=bool),
            np.random.default_rng(0),
        )
