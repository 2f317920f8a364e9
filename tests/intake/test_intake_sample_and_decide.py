"""sample_items (deterministic, order-free) and decide (accept at most Ac defectives)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.intake import IntakeInputError, accept_mask, decide, plan_from_table, sample_items


@settings(max_examples=50, deadline=None)
@given(
    ids=st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=200, unique=True),
    fraction=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
    shuffle_seed=st.integers(0, 1000),
)
def test_sample_depends_only_on_the_set_of_ids_n_and_seed(
    ids: list[int], fraction: float, seed: int, shuffle_seed: int
) -> None:
    n = int(fraction * len(ids))
    sample = sample_items(ids, n, seed)
    shuffled = np.random.default_rng(shuffle_seed).permutation(ids)
    np.testing.assert_array_equal(sample_items(shuffled, n, seed), sample)
    assert sample.size == n
    assert np.unique(sample).size == n
    assert set(sample.tolist()) <= set(ids)
    assert (np.diff(sample) > 0).all()


def test_string_ids_and_different_seeds() -> None:
    ids = [f"img-{k:04d}" for k in range(500)]
    first = sample_items(ids, 50, seed=1)
    assert first.tolist() == sample_items(ids, 50, seed=1).tolist()
    assert first.tolist() != sample_items(ids, 50, seed=2).tolist()


def test_every_item_is_equally_likely_to_be_sampled() -> None:
    counts = np.zeros(40)
    for seed in range(2_000):
        counts[sample_items(np.arange(40), 10, seed)] += 1
    # Each item is drawn with probability 1/4: 500 expected, SE about 19.4.
    assert np.abs(counts - 500).max() < 5 * 19.4


def test_bad_samples_are_refused() -> None:
    with pytest.raises(IntakeInputError, match="appears more than once"):
        sample_items([1, 2, 2], 1, 0)
    with pytest.raises(IntakeInputError, match="n: cannot sample"):
        sample_items([1, 2, 3], 4, 0)
    with pytest.raises(IntakeInputError, match="seed"):
        sample_items([1, 2, 3], 1, -1)


def test_decide_accepts_up_to_ac_and_rejects_from_re() -> None:
    plan = plan_from_table(1000, 1.0)  # n = 80, Ac = 2, Re = 3
    assert decide(0, plan).verdict == "accept"
    assert decide(2, plan).accepted
    rejected = decide(3, plan)
    assert (rejected.verdict, rejected.accepted, rejected.reject_number) == ("reject", False, 3)
    np.testing.assert_array_equal(
        accept_mask(np.array([0, 1, 2, 3, 80]), plan), [True, True, True, False, False]
    )


def test_decide_refuses_impossible_counts() -> None:
    plan = plan_from_table(1000, 1.0)
    with pytest.raises(IntakeInputError, match="n_defective"):
        decide(81, plan)
    with pytest.raises(IntakeInputError, match="n_defective"):
        decide(-1, plan)
