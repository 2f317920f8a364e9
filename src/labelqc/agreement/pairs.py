"""Sampling pairs of shapes across items for the expected disagreement of spatial alpha."""

from __future__ import annotations

import numpy as np


def cross_item_pairs(
    stratum: np.ndarray, item: np.ndarray, max_pairs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs (i, j) of rows in the same stratum but on different items.

    All of them when there are at most ``max_pairs``, else ``max_pairs`` drawn uniformly
    (with replacement) from them: i is drawn with probability proportional to its number of
    partners, then j uniformly among those partners, which makes every ordered pair equally
    likely.
    """
    order = np.lexsort((item, stratum))
    s, it = stratum[order], item[order]
    n = s.size
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    new_stratum = np.r_[True, s[1:] != s[:-1]]
    new_block = new_stratum | np.r_[True, it[1:] != it[:-1]]
    stratum_start = np.maximum.accumulate(np.where(new_stratum, np.arange(n), 0))
    block_start = np.maximum.accumulate(np.where(new_block, np.arange(n), 0))
    stratum_size = np.bincount(np.cumsum(new_stratum) - 1)[np.cumsum(new_stratum) - 1]
    block_size = np.bincount(np.cumsum(new_block) - 1)[np.cumsum(new_block) - 1]
    partners = stratum_size - block_size
    block_offset = block_start - stratum_start
    total_ordered = int(partners.sum())
    if total_ordered == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    if total_ordered // 2 <= max_pairs:
        first = np.repeat(np.arange(n), partners)
        rank = np.arange(first.size) - np.repeat(np.cumsum(partners) - partners, partners)
    else:
        first = rng.choice(n, size=max_pairs, p=partners / total_ordered)
        rank = rng.integers(0, partners[first])
    relative = np.where(rank < block_offset[first], rank, rank + block_size[first])
    second = stratum_start[first] + relative
    if total_ordered // 2 <= max_pairs:
        keep = first < second
        first, second = first[keep], second[keep]
    return order[first], order[second]
