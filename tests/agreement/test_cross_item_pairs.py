"""Pairs of same-class shapes on different items: exact enumeration and uniform sampling."""

from itertools import combinations

import numpy as np

from labelqc.agreement.pairs import cross_item_pairs


def test_cross_item_pairs_enumerates_exactly() -> None:
    rng = np.random.default_rng(0)
    stratum = rng.integers(0, 3, 40)
    item = rng.integers(0, 6, 40)
    first, second = cross_item_pairs(stratum, item, 10_000, rng)
    got = {tuple(sorted(pair)) for pair in zip(first, second, strict=True)}
    expected = {
        (i, j)
        for i, j in combinations(range(40), 2)
        if stratum[i] == stratum[j] and item[i] != item[j]
    }
    assert got == expected and len(first) == len(expected)


def test_cross_item_pairs_samples_uniformly() -> None:
    # One stratum, items of very different sizes: 10 x 1 + 10 x 4 + 1 x 4 = 54 pairs.
    item = np.array([0] * 10 + [1] + [2] * 4)
    stratum = np.zeros(item.size, dtype=int)
    rng = np.random.default_rng(1)
    counts: dict[tuple[int, int], int] = {}
    for _ in range(400):
        first, second = cross_item_pairs(stratum, item, 53, rng)
        assert (item[first] != item[second]).all()
        for pair in zip(first, second, strict=True):
            key = tuple(sorted(int(v) for v in pair))
            counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 54
    frequencies = np.array(list(counts.values())) / (400 * 53)
    assert np.abs(frequencies * 54 - 1).max() < 0.3
