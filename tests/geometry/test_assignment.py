"""One-to-one assignment on an IoU matrix: most pairs first, then the largest total IoU."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labelqc.geometry import match_iou_matrix, thresholds_for_classes


def brute_force_best(iou: np.ndarray, threshold: float) -> tuple[int, float]:
    """(largest number of eligible one-to-one pairs, largest total IoU among those)."""
    n_rows, n_cols = iou.shape
    best = (0, 0.0)
    for cols in itertools.product(range(-1, n_cols), repeat=n_rows):
        used = [c for c in cols if c >= 0]
        if len(used) != len(set(used)):
            continue
        pairs = [(r, c) for r, c in enumerate(cols) if c >= 0]
        if any(iou[r, c] < threshold or iou[r, c] <= 0 for r, c in pairs):
            continue
        score = (len(pairs), sum(iou[r, c] for r, c in pairs))
        if score[0] > best[0] or (score[0] == best[0] and score[1] > best[1] + 1e-12):
            best = score
    return best


def test_optimal_beats_greedy_on_cardinality() -> None:
    # Greedy (best IoU first) takes (0, 0) and strands row 1; the optimum matches both rows.
    iou = np.array([[0.9, 0.6], [0.6, 0.0]])
    rows, cols = match_iou_matrix(iou, 0.5)
    assert rows.tolist() == [0, 1]
    assert cols.tolist() == [1, 0]


def test_total_iou_breaks_ties_between_full_matchings() -> None:
    iou = np.array([[0.9, 0.8], [0.8, 0.6]])
    rows, cols = match_iou_matrix(iou, 0.5)
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 1), (1, 0)]


def test_threshold_is_inclusive_and_per_row() -> None:
    iou = np.array([[0.5, 0.0], [0.0, 0.7]])
    rows, cols = match_iou_matrix(iou, 0.5)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1]
    rows, cols = match_iou_matrix(iou, [0.6, 0.6])
    assert rows.tolist() == [1] and cols.tolist() == [1]


def test_empty_and_no_candidate_matrices() -> None:
    for matrix in (np.zeros((0, 3)), np.zeros((2, 0)), np.full((2, 2), 0.1)):
        rows, cols = match_iou_matrix(matrix, 0.5)
        assert rows.size == 0 and cols.size == 0


@pytest.mark.parametrize(
    ("matrix", "threshold", "message"),
    [
        (np.array([0.5, 0.6]), 0.5, "2-D"),
        (np.array([[1.5]]), 0.5, r"\[0, 1\]"),
        (np.array([[np.nan]]), 0.5, r"\[0, 1\]"),
        (np.array([[0.5]]), 0.0, r"\(0, 1\]"),
        (np.array([[0.5]]), 1.5, r"\(0, 1\]"),
    ],
)
def test_invalid_input_raises(matrix: np.ndarray, threshold: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        match_iou_matrix(matrix, threshold)


iou_matrices = st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(
    lambda shape: arrays(
        np.float64, shape, elements=st.sampled_from([0.0, 0.2, 0.45, 0.5, 0.55, 0.7, 0.9, 1.0])
    )
)


@settings(max_examples=80, deadline=None)
@given(iou_matrices, st.sampled_from([0.3, 0.5, 0.7]))
def test_matching_is_one_to_one_eligible_and_optimal(iou: np.ndarray, threshold: float) -> None:
    rows, cols = match_iou_matrix(iou, threshold)
    assert len(set(rows.tolist())) == rows.size
    assert len(set(cols.tolist())) == cols.size
    assert (iou[rows, cols] >= threshold).all()
    best_count, best_total = brute_force_best(iou, threshold)
    assert rows.size == best_count
    assert iou[rows, cols].sum() == pytest.approx(best_total, abs=1e-9)


def test_thresholds_for_classes() -> None:
    np.testing.assert_allclose(thresholds_for_classes(0.4, [3, 1, 3]), [0.4, 0.4, 0.4])
    np.testing.assert_allclose(
        thresholds_for_classes({1: 0.5, 3: 0.75, 9: 0.1}, [3, 1, 3]), [0.75, 0.5, 0.75]
    )
    assert thresholds_for_classes({1: 0.5}, []).shape == (0,)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1: 0.5}, r"no threshold for class_id\(s\) \[2\]"),
        ({1: 0.5, 2: 0.0}, r"iou_threshold\[2\]"),
        (1.2, r"\(0, 1\]"),
        (True, "expected a float"),
        ("0.5", "expected a float"),
    ],
)
def test_thresholds_for_classes_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        thresholds_for_classes(value, [1, 2])  # type: ignore[arg-type]
