"""Each uncertainty score and strategy picks what its definition says on hand-made rows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.active import (
    ActiveLearningInputError,
    UncertaintySampling,
    entropy_scores,
    least_confidence_scores,
    margin_scores,
    uncertainty_scores,
)

# Row 0: max prob lowest (0.4) but a wide top-2 gap (0.4 - 0.3 = 0.1) and three-way spread.
# Row 1: confident (0.9).
# Row 2: the smallest top-2 gap (0.46 vs 0.44) yet a higher max prob (0.46) than row 0.
# Row 3: near-uniform over four classes: the highest entropy, max prob 0.28.
HAND_MADE = np.array(
    [
        [0.40, 0.30, 0.30, 0.00],
        [0.90, 0.05, 0.05, 0.00],
        [0.46, 0.44, 0.10, 0.00],
        [0.28, 0.24, 0.24, 0.24],
    ]
)
NOTHING_LABELED = np.zeros(4, dtype=bool)


def test_least_confidence_is_one_minus_max_probability() -> None:
    np.testing.assert_allclose(least_confidence_scores(HAND_MADE), [0.60, 0.10, 0.54, 0.72])


def test_margin_is_one_minus_top_two_gap() -> None:
    np.testing.assert_allclose(margin_scores(HAND_MADE), [0.90, 0.15, 0.98, 0.96])


def test_entropy_in_nats_with_zero_log_zero() -> None:
    expected = [-sum(p * math.log(p) for p in row if p > 0) for row in HAND_MADE]
    np.testing.assert_allclose(entropy_scores(HAND_MADE), expected)
    assert entropy_scores([[1.0, 0.0, 0.0]])[0] == 0.0


def test_one_class_rows_have_margin_against_zero() -> None:
    np.testing.assert_allclose(margin_scores([[1.0], [1.0]]), [0.0, 0.0])


def test_least_confidence_picks_lowest_max_probability() -> None:
    pick = UncertaintySampling("least_confidence").select(
        HAND_MADE, None, 1, NOTHING_LABELED, np.random.default_rng(0)
    )
    assert pick.indices.tolist() == [3]
    without_row_3 = np.array([False, False, False, True])
    pick = UncertaintySampling("least_confidence").select(
        HAND_MADE, None, 1, without_row_3, np.random.default_rng(0)
    )
    assert pick.indices.tolist() == [0]


def test_margin_picks_smallest_top_two_gap() -> None:
    pick = UncertaintySampling("margin").select(
        HAND_MADE, None, 2, NOTHING_LABELED, np.random.default_rng(0)
    )
    assert pick.indices.tolist() == [2, 3]
    np.testing.assert_allclose(pick.scores, [0.98, 0.96])


def test_entropy_picks_highest_entropy() -> None:
    pick = UncertaintySampling("entropy").select(
        HAND_MADE, None, 4, NOTHING_LABELED, np.random.default_rng(0)
    )
    assert pick.indices[0] == 3
    assert pick.indices[-1] == 1
    assert np.all(np.diff(pick.scores) <= 0)


def test_the_three_definitions_disagree_on_these_rows() -> None:
    firsts = {
        method: int(np.argmax(uncertainty_scores(HAND_MADE, method)))
        for method in ("least_confidence", "margin", "entropy")
    }
    assert firsts == {"least_confidence": 3, "margin": 2, "entropy": 3}
    assert int(np.argsort(-least_confidence_scores(HAND_MADE))[1]) == 0
    assert int(np.argsort(-margin_scores(HAND_MADE))[1]) == 3


def test_ties_are_broken_by_the_generator_not_by_position() -> None:
    uniform = np.full((50, 2), 0.5)
    mask = np.zeros(50, dtype=bool)
    firsts = {
        int(
            UncertaintySampling("margin")
            .select(uniform, None, 1, mask, np.random.default_rng(seed))
            .indices[0]
        )
        for seed in range(20)
    }
    assert len(firsts) > 1


def test_bad_probabilities_are_rejected_with_the_field_name() -> None:
    with pytest.raises(ActiveLearningInputError, match="probas"):
        margin_scores([[0.5, 0.6]])
    with pytest.raises(ActiveLearningInputError, match="probas"):
        entropy_scores([[np.nan, 1.0]])
    with pytest.raises(ActiveLearningInputError, match="probas"):
        least_confidence_scores([0.5, 0.5])
    with pytest.raises(ActiveLearningInputError, match="method"):
        UncertaintySampling("variance")  # type: ignore[arg-type]
    with pytest.raises(ActiveLearningInputError, match="method"):
        uncertainty_scores(HAND_MADE, "variance")  # type: ignore[arg-type]


@st.composite
def probability_rows(draw: st.DrawFn) -> np.ndarray:
    n_rows = draw(st.integers(1, 8))
    n_classes = draw(st.integers(2, 6))
    weights = draw(
        st.lists(
            st.lists(st.floats(0.0, 1.0), min_size=n_classes, max_size=n_classes),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    matrix = np.asarray(weights) + 1e-9
    return matrix / matrix.sum(axis=1, keepdims=True)


@settings(max_examples=60, deadline=None)
@given(probability_rows())
def test_scores_stay_in_their_ranges_and_ignore_column_order(probas: np.ndarray) -> None:
    n_classes = probas.shape[1]
    least = least_confidence_scores(probas)
    margin = margin_scores(probas)
    entropy = entropy_scores(probas)
    assert np.all((least >= -1e-12) & (least <= 1 - 1 / n_classes + 1e-12))
    assert np.all((margin >= -1e-12) & (margin <= 1 + 1e-12))
    assert np.all((entropy >= -1e-12) & (entropy <= math.log(n_classes) + 1e-9))
    # Least confidence never exceeds margin: 1 - p1 <= 1 - p1 + p2.
    assert np.all(least <= margin + 1e-12)
    reordered = probas[:, ::-1]
    np.testing.assert_allclose(least_confidence_scores(reordered), least)
    np.testing.assert_allclose(margin_scores(reordered), margin)
    np.testing.assert_allclose(entropy_scores(reordered), entropy)
