"""Near-duplicate pairs, groups and keepers: multi-index search equals brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.intake import (
    IntakeInputError,
    choose_keepers,
    group_near_duplicates,
    near_duplicate_pairs,
)


def planted_hashes(seed: int, n_random: int, n_copies: int, max_flips: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**64 - 1, n_random, dtype=np.uint64)
    sources = rng.integers(0, n_random, n_copies)
    copies = base[sources].copy()
    for row, flips in enumerate(rng.integers(0, max_flips + 1, n_copies)):
        for bit in rng.choice(64, size=flips, replace=False):
            copies[row] ^= np.uint64(1) << np.uint64(bit)
    return np.concatenate([base, copies, base[: n_copies // 4]])


def python_pairs(hashes: list[int], max_distance: int) -> list[tuple[int, int, int]]:
    return [
        (i, j, bin(hashes[i] ^ hashes[j]).count("1"))
        for i, j in itertools.combinations(range(len(hashes)), 2)
        if bin(hashes[i] ^ hashes[j]).count("1") <= max_distance
    ]


@settings(max_examples=60, deadline=None)
@given(
    hashes=st.lists(
        st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 1, 3, 2**63, 2**64 - 1])),
        max_size=40,
    ),
    max_distance=st.integers(0, 12),
)
def test_both_searches_find_exactly_the_pairs_within_the_distance(
    hashes: list[int], max_distance: int
) -> None:
    expected = python_pairs(hashes, max_distance)
    for method in ("brute", "multi_index"):
        first, second, distance = near_duplicate_pairs(hashes, max_distance, method=method)
        found = list(zip(first.tolist(), second.tolist(), distance.tolist(), strict=True))
        assert found == expected, method


@pytest.mark.parametrize("max_distance", [0, 3, 8, 10])
def test_multi_index_equals_brute_force_on_thousands_of_hashes(max_distance: int) -> None:
    hashes = planted_hashes(max_distance, 3000, 600, 12)
    brute = near_duplicate_pairs(hashes, max_distance, method="brute")
    indexed = near_duplicate_pairs(hashes, max_distance, method="multi_index")
    for left, right in zip(brute, indexed, strict=True):
        np.testing.assert_array_equal(left, right)
    assert brute[0].size > 0


def test_groups_are_connected_components_numbered_by_first_member() -> None:
    a = 0
    b = 0b111  # 3 bits from a
    c = 0b111111  # 3 bits from b, 6 from a: joined to a through b
    far = 2**64 - 1
    labels = group_near_duplicates([far, a, b, c, far, 2**40 - 1], 3)
    np.testing.assert_array_equal(labels, [0, 1, 1, 1, 0, 2])


def test_keepers_prefer_fewer_flags_then_more_pixels_then_earlier() -> None:
    groups = np.array([0, 0, 0, 1, 1, 2, 3, 3])
    pixels = np.array([100, 400, 400, 50, 50, 10, 900, 100])
    penalties = np.array([0, 0, 0, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(
        choose_keepers(groups, pixels, penalties), [1, 1, 1, 3, 3, 5, 7, 7]
    )
    np.testing.assert_array_equal(choose_keepers(groups, pixels)[6:], [6, 6])


def test_bad_hash_inputs_are_refused() -> None:
    with pytest.raises(IntakeInputError, match="max_distance"):
        near_duplicate_pairs([1, 2], 64)
    with pytest.raises(IntakeInputError, match="hashes"):
        near_duplicate_pairs([1.5, 2.0], 3)
    with pytest.raises(IntakeInputError, match=r"hashes\[1\]"):
        near_duplicate_pairs([1, 2**64], 3)
    assert group_near_duplicates([], 5).size == 0
