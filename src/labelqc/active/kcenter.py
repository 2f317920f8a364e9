"""k-center greedy (Gonzalez 1985; the core-set strategy of Sener & Savarese 2018).

Each step picks the candidate farthest (Euclidean) from its nearest center, then makes it a
center. The distance of every item to its nearest center is kept in one vector and updated with
one matrix-vector product per pick, so a batch of k costs O(k * n * d) arithmetic and, beyond
one copy of the candidates' rows, O(n) memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from labelqc.active._validation import ActiveLearningInputError

# Bounds the (chunk x n_centers) block of the initial distance computation (~32 MB of float64).
_DISTANCE_BLOCK_ENTRIES = 4_000_000


@dataclass(frozen=True)
class KCenterPicks:
    """Items picked by k-center greedy, in pick order.

    indices: item indices into the feature matrix.
    distances: each pick's Euclidean distance to its nearest center at the moment it was picked
        (for a first pick made with no center at all: its distance to the candidates' centroid).
    """

    indices: NDArray[np.int64]
    distances: NDArray[np.float64]


def nearest_center_distances(
    features: NDArray[np.float64],
    rows: NDArray[np.int64],
    centers: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Euclidean distance from each of `rows` to its nearest item in `centers` (float64).

    The nearest center is found blockwise with ||a||^2 + ||b||^2 - 2ab (memory stays bounded for
    large pools); the distance to it is then recomputed from the difference, because the
    expansion loses ~1e-8 to cancellation and a duplicate of a center must be at exactly 0.
    """
    if centers.size == 0:
        return np.full(rows.size, np.inf)
    center_points = features[centers]
    center_sq = np.einsum("ij,ij->i", center_points, center_points)
    block = max(1, _DISTANCE_BLOCK_ENTRIES // max(1, centers.size))
    nearest = np.empty(rows.size, dtype=np.int64)
    for start in range(0, rows.size, block):
        points = features[rows[start : start + block]]
        sq = np.einsum("ij,ij->i", points, points)
        d2 = sq[:, None] + center_sq[None, :] - 2.0 * (points @ center_points.T)
        nearest[start : start + block] = d2.argmin(axis=1)
    difference = features[rows] - center_points[nearest]
    return np.sqrt(np.einsum("ij,ij->i", difference, difference))


def _distances_to(
    pool: NDArray[np.float64], pool_sq: NDArray[np.float64], row: int
) -> NDArray[np.float64]:
    """Distances from every pool row to pool[row] as one matrix-vector product.

    ||a||^2 + ||b||^2 - 2ab is ~8x faster than materializing the (n, d) differences for wide
    embeddings; its ~1e-7 cancellation error near 0 only touches near-duplicates of a pick,
    which lose every later argmax anyway.
    """
    squared = pool_sq + pool_sq[row] - 2.0 * (pool @ pool[row])
    return np.sqrt(np.maximum(squared, 0.0))


def k_center_greedy(
    features: NDArray[np.float64],
    batch_size: int,
    center_mask: NDArray[np.bool_],
    candidate_mask: NDArray[np.bool_] | None = None,
    rng: np.random.Generator | None = None,
    weights: NDArray[np.float64] | None = None,
) -> KCenterPicks:
    """Greedy k-center selection of up to `batch_size` candidates.

    features: (n, d) float64 matrix (already checked).
    center_mask: (n,) bool, items that are already centers (the labeled set); never picked.
    candidate_mask: (n,) bool, items that may be picked (default: every non-center item).
    rng: used only for the first pick when there is no center at all (uniform among candidates).
    weights: optional (n,) non-negative multipliers; a step then picks the candidate maximizing
        weight * distance-to-nearest-center (used by the hybrid strategy). The reported distances
        are always the plain distances.
    Returns at most min(batch_size, number of candidates) picks; ties go to the lowest index.
    """
    n_items = features.shape[0]
    if candidate_mask is None:
        candidate_mask = ~center_mask
    candidates = np.flatnonzero(candidate_mask & ~center_mask)
    n_picks = min(batch_size, candidates.size)
    picked = np.empty(n_picks, dtype=np.int64)
    picked_distance = np.empty(n_picks, dtype=np.float64)
    if n_picks == 0:
        return KCenterPicks(picked, picked_distance)
    if weights is not None and (weights.shape != (n_items,) or weights.min() < 0):
        raise ActiveLearningInputError("weights: expected one non-negative value per item")

    pool = features[candidates]
    pool_sq = np.einsum("ij,ij->i", pool, pool)
    pool_weight = None if weights is None else weights[candidates]
    distance = nearest_center_distances(features, candidates, np.flatnonzero(center_mask))
    start = 0
    if not np.isfinite(distance).all():
        # No center yet: seed with one random candidate, as in the core-set paper.
        generator = rng if rng is not None else np.random.default_rng(0)
        first = int(generator.integers(candidates.size))
        picked[0] = candidates[first]
        picked_distance[0] = float(np.linalg.norm(pool[first] - pool.mean(axis=0)))
        distance = _distances_to(pool, pool_sq, first)
        distance[first] = -np.inf
        start = 1

    for step in range(start, n_picks):
        utility = distance if pool_weight is None else distance * pool_weight
        # Already-picked slots hold -inf so they lose every argmax.
        if pool_weight is not None:
            utility = np.where(np.isneginf(distance), -np.inf, utility)
        best = int(np.argmax(utility))
        picked[step] = candidates[best]
        picked_distance[step] = distance[best]
        new_distance = _distances_to(pool, pool_sq, best)
        np.minimum(distance, new_distance, out=distance)
        distance[best] = -np.inf
    return KCenterPicks(picked, picked_distance)
