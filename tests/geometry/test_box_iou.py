"""Box IoU equals pycocotools.mask.iou (xywh, iscrowd all False) and behaves like an IoU."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from labelqc.geometry import box_area, box_iou, box_iou_pairs


def random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(0, 100, (n, 2))
    wh = rng.uniform(0, 60, (n, 2))
    wh[rng.random(n) < 0.1] = 0.0  # some degenerate boxes
    return np.hstack([xy, wh])


def test_box_iou_equals_pycocotools_on_random_boxes() -> None:
    rng = np.random.default_rng(0)
    a, b = random_boxes(rng, 60), random_boxes(rng, 45)
    # Snap some boxes onto a grid so exact touching and identical boxes occur.
    a[:20] = np.round(a[:20] / 10) * 10
    b[:20] = np.round(b[:20] / 10) * 10
    expected = np.asarray(coco_mask.iou(a, b, [0] * len(b)))
    np.testing.assert_allclose(box_iou(a, b), expected, rtol=0, atol=1e-12)


def test_box_iou_pairs_is_the_diagonal() -> None:
    rng = np.random.default_rng(1)
    a, b = random_boxes(rng, 40), random_boxes(rng, 40)
    np.testing.assert_allclose(box_iou_pairs(a, b), np.diag(box_iou(a, b)), rtol=0, atol=0)


def test_hand_computed_values() -> None:
    a = [[0, 0, 10, 10]]
    b = [[5, 5, 10, 10], [10, 0, 5, 5], [0, 0, 10, 10], [2, 2, 0, 0]]
    # 25 / (100 + 100 - 25); touching edge; identical; zero-area box inside.
    np.testing.assert_allclose(box_iou(a, b), [[25 / 175, 0.0, 1.0, 0.0]])


def test_empty_inputs_give_empty_shapes() -> None:
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    assert box_iou([[0, 0, 1, 1]], []).shape == (1, 0)
    assert box_iou_pairs(np.zeros((0, 4)), np.zeros((0, 4))).shape == (0,)


@pytest.mark.parametrize(
    ("boxes", "message"),
    [
        ([[0, 0, 1]], "shape"),
        ([[0, 0, -1, 1]], "negative"),
        ([[0, np.nan, 1, 1]], "non-finite"),
    ],
)
def test_invalid_boxes_raise_value_error(boxes: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        box_iou(boxes, [[0, 0, 1, 1]])


def test_pairs_length_mismatch_raises() -> None:
    with pytest.raises(ValueError, match="same length"):
        box_iou_pairs([[0, 0, 1, 1]], np.zeros((2, 4)))


def test_box_area() -> None:
    np.testing.assert_allclose(box_area([[1, 2, 3, 4], [0, 0, 0, 5]]), [12.0, 0.0])


# Pixel coordinates at a thousandth of a pixel: far from float underflow, many exact ties.
box_sets = st.integers(1, 6).flatmap(
    lambda n: arrays(np.int64, (n, 4), elements=st.integers(0, 50_000)).map(lambda a: a / 1000)
)


@settings(max_examples=60, deadline=None)
@given(box_sets, box_sets)
def test_iou_is_symmetric_and_bounded(a: np.ndarray, b: np.ndarray) -> None:
    forward, backward = box_iou(a, b), box_iou(b, a)
    np.testing.assert_allclose(forward, backward.T, rtol=0, atol=1e-12)
    assert ((forward >= 0) & (forward <= 1)).all()


@settings(max_examples=40, deadline=None)
@given(box_sets)
def test_self_iou_is_one_for_boxes_with_area(a: np.ndarray) -> None:
    diagonal = np.diag(box_iou(a, a))
    has_area = (a[:, 2] > 0) & (a[:, 3] > 0)
    np.testing.assert_allclose(diagonal[has_area], 1.0)
    np.testing.assert_allclose(diagonal[~has_area], 0.0)
