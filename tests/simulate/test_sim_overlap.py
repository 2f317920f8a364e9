"""Regular items get overlap k distinct annotators, k within the spec's range."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.simulate.schedule import assign_overlap


def test_demo_items_have_two_or_three_distinct_annotators(demo_program) -> None:
    regular = demo_program.tasks[~demo_program.tasks["is_gold"]]
    per_item = regular.groupby("item_id")["annotator_id"]
    assert per_item.nunique().between(2, 3).all()
    assert (per_item.nunique() == per_item.size()).all()
    regular_items = demo_program.items.loc[~demo_program.items["is_gold"], "item_id"]
    assert set(per_item.size().index) == set(regular_items)


def test_overlap_draws_both_ends_of_the_range(large_demo_program) -> None:
    regular = large_demo_program.tasks[~large_demo_program.tasks["is_gold"]]
    counts = regular.groupby("item_id").size().value_counts(normalize=True)
    assert set(counts.index) == {2, 3}
    assert abs(counts[2] - 0.5) < 0.05


@settings(max_examples=40, deadline=None)
@given(
    n_items=st.integers(0, 300),
    n_annotators=st.integers(1, 12),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_assign_overlap_is_distinct_and_in_range(n_items, n_annotators, data, seed) -> None:
    low = data.draw(st.integers(1, n_annotators))
    high = data.draw(st.integers(low, n_annotators))
    throughput = np.random.default_rng(seed).uniform(0.2, 3.0, n_annotators)
    items, annotators = assign_overlap(
        n_items, throughput, (low, high), np.random.default_rng(seed)
    )
    assert np.all(np.diff(items) >= 0)
    assert annotators.min(initial=0) >= 0 and annotators.max(initial=0) < n_annotators
    pairs = items * n_annotators + annotators
    assert np.unique(pairs).size == pairs.size
    k = np.bincount(items, minlength=n_items)
    assert np.all((k >= low) & (k <= high))


def test_throughput_weights_the_share_of_work() -> None:
    throughput = np.array([1.0, 1.0, 4.0, 1.0, 1.0, 1.0])
    _, annotators = assign_overlap(20000, throughput, (1, 1), np.random.default_rng(3))
    share = np.bincount(annotators, minlength=6) / annotators.size
    assert abs(share[2] - 4 / 9) < 0.02
