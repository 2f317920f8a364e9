"""Near-duplicate search over 64-bit perceptual hashes, grouping and keep/drop decisions.

Two hashes are near-duplicates when their Hamming distance is at most ``max_distance``; groups
are the connected components of that relation (so a chain a~b~c is one group even when a and c
are farther apart).

Search (exact, both methods find the same pairs):

- ``"brute"``: XOR + popcount of every pair, in row blocks so memory stays bounded.
- ``"multi_index"``: multi-index hashing.  The 64 bits are cut into ``m`` chunks; by the
  pigeonhole principle two hashes within distance ``t`` agree to within ``t // m`` bits on at
  least one chunk.  For each chunk the hashes are sorted by chunk value and each hash probes the
  values within ``t // m`` bit flips of its own (``searchsorted``); only those candidates get a
  full distance.  ``m`` is picked by a cost estimate; the work is about ``N * m * probes *
  (1 + N / 2**chunk_bits)`` instead of ``N**2 / 2``, and candidates are processed in bounded
  blocks, so memory never grows with ``N**2``.

Identical hashes are collapsed first, so many exact copies cost nothing extra.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from labelqc.intake.errors import IntakeInputError
from labelqc.intake.hashing import HASH_BITS, as_hash_array

SearchMethod = Literal["auto", "brute", "multi_index"]
BRUTE_FORCE_MAX_HASHES = 4096
_BLOCK_ELEMENTS = 1 << 20  # elements per temporary array (8 MiB of int64)
_DIRECT_TABLE_MAX_BITS = 22  # chunk widths up to this use a dense bucket table (<= 32 MiB)


def _check_distance(max_distance: int) -> int:
    if isinstance(max_distance, bool) or not isinstance(max_distance, int | np.integer):
        raise IntakeInputError(f"max_distance: expected an int, got {max_distance!r}")
    if not (0 <= int(max_distance) < HASH_BITS):
        raise IntakeInputError(f"max_distance: must lie in [0, 63], got {max_distance!r}")
    return int(max_distance)


def _brute_force_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    count = hashes.size
    rows = max(1, _BLOCK_ELEMENTS // max(count, 1))
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for start in range(0, count, rows):
        block = hashes[start : start + rows]
        distance = np.bitwise_count(block[:, None] ^ hashes[None, :])
        local, other = np.nonzero(distance <= max_distance)
        first = local + start
        keep = other > first
        firsts.append(first[keep])
        seconds.append(other[keep])
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)


def _chunk_widths(n_chunks: int) -> list[int]:
    base, extra = divmod(HASH_BITS, n_chunks)
    return [base + (1 if index < extra else 0) for index in range(n_chunks)]


def _probe_count(width: int, radius: int) -> int:
    return sum(math.comb(width, flips) for flips in range(radius + 1))


def _choose_chunks(n_hashes: int, max_distance: int) -> int:
    best_chunks, best_cost = 1, math.inf
    for n_chunks in range(1, min(max_distance + 1, HASH_BITS) + 1):
        widths = _chunk_widths(n_chunks)
        radius = max_distance // n_chunks
        probes = _probe_count(max(widths), radius)
        expected_bucket = n_hashes / 2.0 ** min(widths)
        # Building the probe masks costs too, whatever the number of hashes.
        cost = n_chunks * probes * (1.0 + n_hashes * (1.0 + expected_bucket))
        if cost < best_cost:
            best_chunks, best_cost = n_chunks, cost
    return best_chunks


def _probe_masks(width: int, radius: int) -> np.ndarray:
    masks = [0]
    for flips in range(1, radius + 1):
        for positions in itertools.combinations(range(width), flips):
            masks.append(sum(1 << position for position in positions))
    return np.array(masks, dtype=np.uint64)


def _row_blocks(counts: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Split rows into consecutive blocks whose summed counts stay near ``limit``."""
    start = 0
    cumulative = np.cumsum(counts)
    while start < counts.size:
        offset = cumulative[start - 1] if start else 0
        stop = int(np.searchsorted(cumulative, offset + limit, side="right"))
        stop = max(stop, start + 1)
        yield start, stop
        start = stop


def _multi_index_pairs(hashes: np.ndarray, max_distance: int) -> tuple[np.ndarray, np.ndarray]:
    count = hashes.size
    if count < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_chunks = _choose_chunks(count, max_distance)
    radius = max_distance // n_chunks
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    shift = 0
    for width in _chunk_widths(n_chunks):
        values = (hashes >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        shift += width
        order = np.argsort(values, kind="stable")
        sorted_values = values[order]
        masks = _probe_masks(width, radius)
        if width <= _DIRECT_TABLE_MAX_BITS:
            # A dense table of bucket starts turns each probe into two gathers, far cheaper
            # than a binary search per probe.
            bucket_count = np.bincount(values.astype(np.int64), minlength=1 << width)
            bucket_start = np.cumsum(bucket_count) - bucket_count
        query_rows = max(1, _BLOCK_ELEMENTS // masks.size)
        for query_start in range(0, count, query_rows):
            query = np.arange(query_start, min(query_start + query_rows, count))
            keys = (values[query, None] ^ masks[None, :]).ravel()
            if width <= _DIRECT_TABLE_MAX_BITS:
                table_keys = keys.astype(np.int64)
                left = bucket_start[table_keys]
                sizes = bucket_count[table_keys]
            else:
                left = np.searchsorted(sorted_values, keys, side="left")
                sizes = np.searchsorted(sorted_values, keys, side="right") - left
            query_of_key = np.repeat(query, masks.size)
            for begin, end in _row_blocks(sizes, _BLOCK_ELEMENTS):
                block_sizes = sizes[begin:end]
                total = int(block_sizes.sum())
                if total == 0:
                    continue
                first = np.repeat(query_of_key[begin:end], block_sizes)
                key_offset = left[begin:end] - (np.cumsum(block_sizes) - block_sizes)
                starts = np.repeat(key_offset, block_sizes)
                second = order[starts + np.arange(total)]
                keep = second > first
                first, second = first[keep], second[keep]
                close = np.bitwise_count(hashes[first] ^ hashes[second]) <= max_distance
                firsts.append(first[close])
                seconds.append(second[close])
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = np.concatenate(firsts).astype(np.int64)
    second = np.concatenate(seconds).astype(np.int64)
    # A pair close on several chunks (or probes) is found several times.
    unique = np.unique(first * count + second)
    return unique // count, unique % count


def _distinct_pairs(
    values: np.ndarray, max_distance: int, method: SearchMethod
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct hashes, each position's distinct index, and the close pairs among distinct."""
    limit = _check_distance(max_distance)
    if method not in ("auto", "brute", "multi_index"):
        raise IntakeInputError(f"method: expected 'auto', 'brute' or 'multi_index', got {method!r}")
    distinct, inverse = np.unique(values, return_inverse=True)
    if method == "brute" or (method == "auto" and distinct.size <= BRUTE_FORCE_MAX_HASHES):
        first, second = _brute_force_pairs(distinct, limit)
    else:
        first, second = _multi_index_pairs(distinct, limit)
    return distinct, inverse.ravel(), first, second


def near_duplicate_pairs(
    hashes: ArrayLike, max_distance: int, *, method: SearchMethod = "auto"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``i < j`` of positions whose hashes differ in at most ``max_distance`` bits.

    ``hashes``: 64-bit hashes (uint64 array or ints).  Returns ``(first, second, distance)``
    int64 arrays sorted by ``(first, second)``; ``k`` copies of one hash give all their
    ``k (k - 1) / 2`` pairs (use :func:`group_near_duplicates` for groups without that cost).  ``method`` picks the search (module docstring);
    ``"auto"`` uses brute force up to 4096 distinct hashes, multi-index hashing above.
    """
    values = as_hash_array(hashes).ravel()
    distinct, inverse, unique_first, unique_second = _distinct_pairs(values, max_distance, method)
    # Expand pairs of distinct hashes back to positions, plus pairs of equal hashes.
    members = np.argsort(inverse, kind="stable")
    member_count = np.bincount(inverse, minlength=distinct.size)
    member_start = np.cumsum(member_count) - member_count
    pair_first: list[np.ndarray] = []
    pair_second: list[np.ndarray] = []
    for multiplicity in np.unique(member_count[member_count > 1]):
        # Groups of equal hashes with the same size expand together, as one array operation.
        group_starts = member_start[member_count == multiplicity]
        upper_left, upper_right = np.triu_indices(int(multiplicity), k=1)
        pair_first.append(members[(group_starts[:, None] + upper_left[None, :]).ravel()])
        pair_second.append(members[(group_starts[:, None] + upper_right[None, :]).ravel()])
    left_count = member_count[unique_first]
    right_count = member_count[unique_second]
    repeats = left_count * right_count
    if repeats.size:
        pair_index = np.repeat(np.arange(repeats.size), repeats)
        within = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        right_width = right_count[pair_index]
        pair_first.append(members[member_start[unique_first[pair_index]] + within // right_width])
        pair_second.append(members[member_start[unique_second[pair_index]] + within % right_width])
    if not pair_first:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    first = np.concatenate(pair_first).astype(np.int64)
    second = np.concatenate(pair_second).astype(np.int64)
    first, second = np.minimum(first, second), np.maximum(first, second)
    order = np.lexsort((second, first))
    first, second = first[order], second[order]
    distance = np.bitwise_count(values[first] ^ values[second]).astype(np.int64)
    return first, second, distance


def group_near_duplicates(
    hashes: ArrayLike, max_distance: int, *, method: SearchMethod = "auto"
) -> np.ndarray:
    """Group label per hash: connected components of the near-duplicate relation.

    Labels are 0, 1, ... in order of each group's first member; a hash with no near-duplicate
    is a group of its own.
    """
    values = as_hash_array(hashes).ravel()
    # Components are found among distinct hashes (copies of one hash are one node), so a
    # cluster of k identical images costs one node, not k * (k - 1) / 2 pairs.
    distinct, inverse, first, second = _distinct_pairs(values, max_distance, method)
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(first.size, dtype=np.int8), (first, second)), shape=(distinct.size,) * 2
    ).tocsr()
    _, distinct_labels = connected_components(graph, directed=False)
    labels = distinct_labels[inverse]
    # Renumber by first appearance so labels do not depend on scipy's traversal order.
    _, first_position = np.unique(labels, return_index=True)
    rank = np.empty(first_position.size, dtype=np.int64)
    rank[np.argsort(first_position, kind="stable")] = np.arange(first_position.size)
    return rank[labels]


def choose_keepers(
    groups: ArrayLike, pixels: ArrayLike, penalties: ArrayLike | None = None
) -> np.ndarray:
    """Position of the member to keep for each position's group.

    Within a group the kept member has the fewest ``penalties`` (e.g. quality flags; all 0 when
    omitted), then the most ``pixels`` (``width * height``), then the earliest position.
    Returns an int64 array: ``keeper[i] == i`` for kept members.
    """
    labels = np.asarray(groups, dtype=np.int64).ravel()
    sizes = np.asarray(pixels, dtype=np.float64).ravel()
    costs = (
        np.zeros(labels.size, dtype=np.float64)
        if penalties is None
        else np.asarray(penalties, dtype=np.float64).ravel()
    )
    if labels.shape != sizes.shape or labels.shape != costs.shape:
        raise IntakeInputError("pixels / penalties: must have one value per group label")
    if labels.size == 0:
        return np.zeros(0, dtype=np.int64)
    if (labels < 0).any():
        raise IntakeInputError("groups: labels must be >= 0")
    positions = np.arange(labels.size)
    order = np.lexsort((positions, -sizes, costs, labels))
    sorted_labels = labels[order]
    is_first = np.r_[True, sorted_labels[1:] != sorted_labels[:-1]]
    lookup = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    lookup[sorted_labels[is_first]] = order[is_first]
    return lookup[labels]
