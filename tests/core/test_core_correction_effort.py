from __future__ import annotations

import numpy as np
import pytest

from labelqc.effort import EffortThresholds, correction_effort


def test_buckets_follow_the_matched_iou():
    iou = np.array([[0.97, 0.0, 0.0], [0.0, 0.8, 0.1], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    final, matched, bucket = correction_effort(iou)
    assert final.tolist() == [0, 1, 2, -1]
    assert matched.tolist() == [0.97, 0.8, 0.5, 0.0]
    assert bucket.tolist() == ["approved_as_is", "minor_edit", "rework", "rework"]


def test_thresholds_are_configurable_and_checked():
    _, _, bucket = correction_effort(
        np.array([[0.9]]), EffortThresholds(approved_iou=0.85, minor_iou=0.5)
    )
    assert bucket.tolist() == ["approved_as_is"]
    with pytest.raises(ValueError):
        EffortThresholds(approved_iou=0.5, minor_iou=0.9)


def test_no_final_shapes_means_every_prelabel_is_rework():
    _, matched, bucket = correction_effort(np.zeros((2, 0)))
    assert matched.tolist() == [0.0, 0.0] and bucket.tolist() == ["rework", "rework"]


def test_a_changed_class_is_at_least_a_minor_edit():
    iou = np.array([[1.0, 0.0, 0.0], [0.0, 0.96, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]])
    _, _, bucket = correction_effort(iou, prelabel_classes=[1, 1, 1, 1], final_classes=[1, 2, 2])
    # kept; relabeled with the box kept; relabeled and redrawn; deleted
    assert bucket.tolist() == ["approved_as_is", "minor_edit", "rework", "rework"]
    _, _, none_left = correction_effort(np.zeros((1, 0)), prelabel_classes=[1], final_classes=[])
    assert none_left.tolist() == ["rework"]
