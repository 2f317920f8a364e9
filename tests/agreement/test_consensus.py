"""Majority vote, mask pixel voting and box fusion."""

import numpy as np
import pandas as pd
import pytest
from pycocotools import mask as mask_utils

from labelqc.agreement import consensus_boxes, fuse_boxes, majority_vote, mask_vote


def test_majority_vote_and_documented_tie_break() -> None:
    frame = pd.DataFrame(
        {
            "task": [1, 1, 1, 2, 2, 3],
            "worker": ["a", "b", "c", "a", "b", "c"],
            "label": ["dog", "cat", "dog", "zebra", "ant", None],
        }
    )
    result = majority_vote(frame)
    assert result.loc[1, "label"] == "dog"
    assert result.loc[1, "support"] == pytest.approx(2 / 3)
    assert not result.loc[1, "tied"]
    assert result.loc[2, "label"] == "ant" and result.loc[2, "tied"]
    assert 3 not in result.index  # only a missing label
    assert int(result.loc[1, "n_votes"]) == 3


def test_weighted_majority_vote() -> None:
    frame = pd.DataFrame({"task": [1, 1, 1], "worker": ["a", "b", "c"], "label": [0, 1, 1]})
    result = majority_vote(frame, weights={"a": 0.9, "b": 0.3, "c": 0.2})
    assert result.loc[1, "label"] == 0
    assert result.loc[1, "support"] == pytest.approx(0.9 / 1.4)
    with pytest.raises(ValueError, match="'c'"):
        majority_vote(frame, weights={"a": 1.0, "b": 1.0})


def _masks(seed: int, count: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [(rng.random((13, 17)) < 0.5).astype(np.uint8) for _ in range(count)]


def test_mask_vote_matches_numpy_majority() -> None:
    masks = _masks(0, 4)
    expected = np.sum(masks, axis=0) > 2  # strict majority: 2 of 4 is out
    rle = mask_vote(masks)
    assert isinstance(rle["counts"], str) and rle["size"] == [13, 17]
    np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), expected)


def test_mask_vote_accepts_rles_and_weights() -> None:
    masks = _masks(1, 3)
    rles = [mask_utils.encode(np.asfortranarray(m)) for m in masks]
    rles[1]["counts"] = rles[1]["counts"].decode("ascii")  # str counts as stored in JSON
    weights = np.array([0.6, 0.3, 0.3])
    expected = np.tensordot(np.stack(masks, -1), weights, axes=([2], [0])) > 0.5 * 1.2
    np.testing.assert_array_equal(
        mask_utils.decode(mask_vote(rles, weights)).astype(bool), expected
    )
    uncompressed = {"size": [13, 17], "counts": [0, 13 * 17]}  # a full mask, list counts
    full = mask_utils.decode(mask_vote([uncompressed, uncompressed, masks[0]]))
    assert full.all()


def test_mask_vote_rejects_mismatched_sizes() -> None:
    with pytest.raises(ValueError, match=r"masks\[1\]"):
        mask_vote([np.zeros((4, 4)), np.zeros((4, 5))])
    with pytest.raises(ValueError, match="empty"):
        mask_vote([])


def test_fuse_boxes_weighted_average() -> None:
    boxes = np.array([[10, 10, 20, 20], [14, 12, 20, 24]], dtype=float)
    np.testing.assert_allclose(fuse_boxes(boxes), [12, 11, 20, 22])
    np.testing.assert_allclose(fuse_boxes(boxes, [3, 1]), [11, 10.5, 20, 21])
    with pytest.raises(ValueError, match="weights"):
        fuse_boxes(boxes, [0, 0])


def test_consensus_boxes_per_object() -> None:
    matched = pd.DataFrame(
        {
            "item_id": [1, 1, 1, 1],
            "object_id": [0, 0, 0, 1],
            "annotator_id": [1, 2, 3, 1],
            "class_id": [5, 5, 6, 2],
            "x": [10.0, 12.0, 14.0, 50.0],
            "y": [0.0, 0.0, 3.0, 5.0],
            "w": [10.0, 10.0, 10.0, 4.0],
            "h": [8.0, 8.0, 8.0, 4.0],
        }
    )
    plain = consensus_boxes(matched).set_index("object_id")
    assert plain.loc[0, "class_id"] == 5 and plain.loc[0, "n_annotators"] == 3
    assert plain.loc[0, "x"] == pytest.approx(12.0) and plain.loc[0, "y"] == pytest.approx(1.0)
    skilled = consensus_boxes(matched, {1: 0.1, 2: 0.1, 3: 0.8}).set_index("object_id")
    assert skilled.loc[0, "class_id"] == 6
    assert skilled.loc[0, "x"] == pytest.approx((1.0 + 1.2 + 11.2) / 1.0)
    assert skilled.loc[1, "class_id"] == 2
