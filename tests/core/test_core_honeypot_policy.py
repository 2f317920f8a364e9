from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labelqc.honeypot import HoneypotPolicy, adaptive_rate, qualification_outcome, serve_gold


def test_first_items_are_gold_then_the_base_rate():
    policy = HoneypotPolicy(initial_count=5, rate=0.1)
    assert all(
        serve_gold(policy, n_served=n, accuracy=None, n_scored=0, draw=0.99) for n in range(5)
    )
    draws = np.random.default_rng(0).random(20_000)
    served = np.mean(
        [serve_gold(policy, n_served=10, accuracy=None, n_scored=0, draw=d) for d in draws]
    )
    assert served == pytest.approx(0.1, abs=0.01)


def test_rate_rises_for_weak_and_falls_for_strong_annotators():
    policy = HoneypotPolicy(rate=0.1, target_accuracy=0.8)
    assert adaptive_rate(policy, 0.5, n_scored=10) > 0.1
    assert adaptive_rate(policy, 0.95, n_scored=10) < 0.1
    assert adaptive_rate(policy, 0.5, n_scored=1) == 0.1  # too few scores to adapt


@given(st.floats(0, 1), st.integers(0, 100))
def test_rate_stays_within_its_bounds(accuracy, n_scored):
    policy = HoneypotPolicy(rate=0.1)
    assert 0.05 <= adaptive_rate(policy, accuracy, n_scored) <= 0.5


def test_qualification_is_decided_by_the_first_required_scores_only():
    assert qualification_outcome([1.0], required=2, threshold=0.75) == "pending"
    assert qualification_outcome([1.0, 0.5], required=2, threshold=0.75) == "passed"  # at the bar
    assert qualification_outcome([0.5, 0.5], required=2, threshold=0.75) == "failed"
    # later scores do not change a decision taken on the first two
    assert qualification_outcome([0.5, 0.5, 1.0, 1.0], required=2, threshold=0.75) == "failed"
    with pytest.raises(ValueError, match="required"):
        qualification_outcome([1.0], required=0, threshold=0.5)
    with pytest.raises(ValueError, match="threshold"):
        qualification_outcome([1.0], required=1, threshold=1.5)
