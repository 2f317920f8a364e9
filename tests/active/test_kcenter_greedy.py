"""k-center greedy picks the farthest point from its nearest center at every step."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from skactiveml.pool import CoreSet

from labelqc.active import (
    ActiveLearningInputError,
    DiversitySampling,
    k_center_greedy,
    nearest_center_distances,
)


def brute_force_k_center(
    points: np.ndarray, k: int, centers: list[int], candidates: list[int]
) -> tuple[list[int], list[float]]:
    """Oracle: recompute every candidate's distance to every center at every step."""
    centers = list(centers)
    picks: list[int] = []
    gaps: list[float] = []
    for _ in range(min(k, len(candidates))):
        best, best_gap = -1, -1.0
        for item in candidates:
            if item in centers:
                continue
            gap = min(float(np.linalg.norm(points[item] - points[c])) for c in centers)
            if gap > best_gap:
                best, best_gap = item, gap
        picks.append(best)
        gaps.append(best_gap)
        centers.append(best)
    return picks, gaps


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_items=st.integers(5, 40),
    n_dims=st.integers(1, 6),
    n_centers=st.integers(1, 4),
    k=st.integers(1, 12),
)
def test_matches_brute_force_oracle(
    seed: int, n_items: int, n_dims: int, n_centers: int, k: int
) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n_items, n_dims))
    center_ids = rng.choice(n_items, min(n_centers, n_items - 1), replace=False)
    mask = np.zeros(n_items, dtype=bool)
    mask[center_ids] = True
    picks = k_center_greedy(points, k, mask)
    expected, gaps = brute_force_k_center(
        points, k, center_ids.tolist(), np.flatnonzero(~mask).tolist()
    )
    assert picks.indices.tolist() == expected
    np.testing.assert_allclose(picks.distances, gaps, rtol=1e-9, atol=1e-9)


def test_candidate_mask_restricts_picks_but_all_centers_count() -> None:
    rng = np.random.default_rng(3)
    points = rng.normal(size=(30, 3))
    centers = np.zeros(30, dtype=bool)
    centers[[0, 1]] = True
    candidates = np.zeros(30, dtype=bool)
    candidates[10:20] = True
    picks = k_center_greedy(points, 4, centers, candidates)
    expected, _ = brute_force_k_center(points, 4, [0, 1], list(range(10, 20)))
    assert picks.indices.tolist() == expected


def test_weighted_steps_maximize_weight_times_distance() -> None:
    points = np.array([[0.0], [1.0], [3.0], [10.0]])
    centers = np.array([True, False, False, False])
    weights = np.array([1.0, 5.0, 1.0, 0.1])
    # 1*5 = 5 beats 3*1 = 3 and 10*0.1 = 1.
    picks = k_center_greedy(points, 1, centers, weights=weights)
    assert picks.indices.tolist() == [1]
    assert picks.distances.tolist() == [1.0]


def test_without_centers_the_first_pick_is_seeded_and_the_rest_are_farthest() -> None:
    rng = np.random.default_rng(0)
    points = rng.normal(size=(25, 2))
    nothing = np.zeros(25, dtype=bool)
    first = k_center_greedy(points, 5, nothing, rng=np.random.default_rng(11))
    again = k_center_greedy(points, 5, nothing, rng=np.random.default_rng(11))
    assert first.indices.tolist() == again.indices.tolist()
    expected, _ = brute_force_k_center(
        points, 4, [int(first.indices[0])], [i for i in range(25) if i != first.indices[0]]
    )
    assert first.indices[1:].tolist() == expected


def test_batch_larger_than_pool_returns_every_candidate_once() -> None:
    points = np.arange(12, dtype=float).reshape(6, 2)
    mask = np.array([True, False, False, True, False, False])
    picks = DiversitySampling().select(None, points, 50, mask, np.random.default_rng(0))
    assert sorted(picks.indices.tolist()) == [1, 2, 4, 5]


def test_nearest_center_distances_match_scipy_in_blocks() -> None:
    rng = np.random.default_rng(5)
    points = rng.normal(size=(400, 8))
    rows = np.arange(0, 400, 3)
    centers = np.arange(1, 400, 7)
    expected = cdist(points[rows], points[centers]).min(axis=1)
    np.testing.assert_allclose(nearest_center_distances(points, rows, centers), expected, atol=1e-9)


def test_diversity_strategy_spreads_over_clusters() -> None:
    rng = np.random.default_rng(1)
    cluster_centers = np.array([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0], [50.0, 50.0]])
    points = np.repeat(cluster_centers, 20, axis=0) + rng.normal(0.0, 0.5, size=(80, 2))
    labeled = np.zeros(80, dtype=bool)
    labeled[0] = True  # one item of cluster 0 is labeled
    picks = DiversitySampling().select(None, points, 3, labeled, np.random.default_rng(0))
    assert sorted(int(i) // 20 for i in picks.indices) == [1, 2, 3]


def test_diversity_rejects_missing_or_bad_features() -> None:
    mask = np.zeros(3, dtype=bool)
    with pytest.raises(ActiveLearningInputError, match="features"):
        DiversitySampling().select(None, None, 1, mask, np.random.default_rng(0))
    with pytest.raises(ActiveLearningInputError, match="features"):
        DiversitySampling().select(None, np.ones(3), 1, mask, np.random.default_rng(0))
    with pytest.raises(ActiveLearningInputError, match="labeled_mask"):
        DiversitySampling().select(None, np.ones((3, 2)), 1, mask[:2], np.random.default_rng(0))


@pytest.mark.parametrize(
    ("n_items", "n_dims", "n_labeled", "k"), [(200, 5, 3, 10), (600, 16, 30, 25)]
)
def test_matches_skactiveml_coreset(n_items: int, n_dims: int, n_labeled: int, k: int) -> None:
    rng = np.random.default_rng(n_items)
    points = rng.normal(size=(n_items, n_dims))
    observed = np.full(n_items, np.nan)
    labeled = rng.choice(n_items, n_labeled, replace=False)
    observed[labeled] = rng.integers(0, 3, n_labeled)
    theirs = CoreSet(random_state=0).query(points, observed, batch_size=k)
    ours = DiversitySampling().select(
        None, points, k, ~np.isnan(observed), np.random.default_rng(0)
    )
    assert ours.indices.tolist() == np.asarray(theirs).tolist()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_items=st.integers(3, 60), k=st.integers(1, 20))
def test_pick_distances_never_increase(seed: int, n_items: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    points = rng.normal(size=(n_items, 3))
    centers = np.zeros(n_items, dtype=bool)
    centers[0] = True
    picks = k_center_greedy(points, k, centers)
    # Each pick becomes a center, so nobody's nearest-center distance can grow.
    assert np.all(np.diff(picks.distances) <= 1e-12)
