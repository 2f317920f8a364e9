"""The simulated detector's drafts have the faults its spec plants, at the planted rates, stay
inside their images, and score good boxes higher than bad ones; the same seed, the same drafts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.geometry.boxes import box_iou_pairs
from labelqc.simulate import SMALL_AREA, DetectorSpec, simulate_detector

CLASSES = [2, 5, 9]


def scene(n_items: int = 400, per_item: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items of 200 x 150 px, half of their objects small (12 px square), half large (60 x 40)."""
    rng = np.random.default_rng(0)
    items = pd.DataFrame({"item_id": np.arange(1, n_items + 1), "width": 200, "height": 150})
    n = n_items * per_item
    small = np.arange(n) % 2 == 0
    w = np.where(small, 12.0, 60.0)
    h = np.where(small, 12.0, 40.0)
    truth = pd.DataFrame(
        {
            "item_id": np.repeat(items["item_id"].to_numpy(), per_item),
            "ann_id": np.arange(1, n + 1),
            "class_id": np.array(CLASSES)[rng.integers(0, 3, n)],
            "x": np.round(rng.uniform(0, 200 - w), 1),
            "y": np.round(rng.uniform(0, 150 - h), 1),
            "w": w,
            "h": h,
        }
    )
    return truth, items


def test_planted_rates_are_met():
    truth, items = scene()
    spec = DetectorSpec()
    drafts = simulate_detector(truth, items, CLASSES, spec)
    found = drafts[drafts["ann_id"] >= 0].merge(truth, on="ann_id", suffixes=("", "_true"))
    small = truth["w"] * truth["h"] < SMALL_AREA
    n_small, n_large = int(small.sum()), int((~small).sum())
    found_small = found["w_true"] * found["h_true"] < SMALL_AREA
    missed_small = 1 - found_small.sum() / n_small
    missed_large = 1 - (~found_small).sum() / n_large
    assert missed_small == pytest.approx(spec.miss_small, abs=0.03)
    assert missed_large == pytest.approx(spec.miss_large, abs=0.015)
    confused = found["class_id"] != found["class_id_true"]
    assert confused.mean() == pytest.approx(spec.confusion, abs=0.015)
    assert set(found["class_id"]) <= set(CLASSES)
    background = drafts[drafts["ann_id"] < 0]
    assert len(background) / len(items) == pytest.approx(spec.false_positives_per_item, abs=0.1)
    assert background["score"].between(0.1, 0.45).all()


def test_good_boxes_score_higher_and_every_box_is_inside_its_image():
    truth, items = scene()
    drafts = simulate_detector(truth, items, CLASSES, DetectorSpec(edge_jitter=0.12))
    assert (drafts["w"] >= 1).all() and (drafts["h"] >= 1).all()
    assert (drafts["x"] >= 0).all() and (drafts["y"] >= 0).all()
    assert (drafts["x"] + drafts["w"] <= 200 + 1e-9).all()
    assert (drafts["y"] + drafts["h"] <= 150 + 1e-9).all()
    assert drafts["score"].between(0.05, 0.99).all()
    found = drafts[drafts["ann_id"] >= 0].merge(truth, on="ann_id", suffixes=("", "_true"))
    iou = box_iou_pairs(
        found[["x", "y", "w", "h"]].to_numpy(), found[["x_true", "y_true", "w_true", "h_true"]]
    )
    right_class = found["class_id"] == found["class_id_true"]
    tight = found["score"][(iou > 0.85) & right_class]
    loose = found["score"][(iou < 0.65) & right_class]
    assert len(tight) > 100 and len(loose) > 100
    assert tight.mean() > loose.mean() + 0.2
    assert found["score"][~right_class].mean() < found["score"][right_class].mean() - 0.1


def test_same_seed_same_drafts_and_sorted_by_item():
    truth, items = scene(n_items=30)
    first = simulate_detector(truth, items, CLASSES)
    pd.testing.assert_frame_equal(first, simulate_detector(truth, items, CLASSES))
    other = simulate_detector(truth, items, CLASSES, DetectorSpec(seed=12))
    assert not first.equals(other)
    assert first["item_id"].is_monotonic_increasing
    assert list(first.columns) == ["item_id", "class_id", "x", "y", "w", "h", "score", "ann_id"]


def test_bad_input_names_the_parameter():
    truth, items = scene(n_items=3)
    with pytest.raises(ValueError, match="miss_small"):
        DetectorSpec(miss_small=1.5)
    with pytest.raises(ValueError, match="edge_jitter"):
        DetectorSpec(edge_jitter=-0.1)
    with pytest.raises(ValueError, match=r"truth.class_id: \[9\]"):
        simulate_detector(truth, items, [2, 5])
    with pytest.raises(ValueError, match="class_ids"):
        simulate_detector(truth, items, [])
