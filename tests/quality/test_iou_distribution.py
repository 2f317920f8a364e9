"""Per-class IoU distributions of matched pairs, flagged against class IoU targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.quality import DISTRIBUTION_MATCH_IOU, class_iou_distribution, compare_to_gold

IOU_A, IOU_C = 90 / 110, 100 / 110


def test_hand_computed_distribution(gold, annotations) -> None:
    comparison = compare_to_gold(gold, annotations, DISTRIBUTION_MATCH_IOU)
    result = class_iou_distribution(comparison, {0: 0.85, 1: 0.5}).set_index("class_id")
    zero, one = result.loc[0], result.loc[1]
    assert zero["n_pairs"] == 2 and zero["threshold"] == 0.85
    assert zero["median_iou"] == pytest.approx((IOU_A + IOU_C) / 2)
    assert zero["p10_iou"] == pytest.approx(IOU_A + 0.1 * (IOU_C - IOU_A))
    assert zero["p90_iou"] == pytest.approx(IOU_A + 0.9 * (IOU_C - IOU_A))
    assert bool(zero["median_below_threshold"]) is False
    assert bool(zero["p10_below_threshold"]) is True
    histogram = zero["histogram"]
    assert len(histogram) == 20 and sum(histogram) == 2
    assert histogram[16] == 1 and histogram[18] == 1  # 0.818 and 0.909
    # Class 1 (B) was drawn with the wrong class: listed with no pair and undefined flags.
    assert one["n_pairs"] == 0 and one["histogram"] == (0,) * 20
    assert one["median_below_threshold"] is pd.NA and one["median_iou"] is pd.NA


def test_quantiles_and_histogram_match_numpy() -> None:
    rng = np.random.default_rng(12)
    n = 300
    gold = pd.DataFrame(
        {
            "item_id": np.arange(n),
            "class_id": rng.integers(0, 3, n),
            "x": 0.0,
            "y": 0.0,
            "w": 100.0,
            "h": 100.0,
        }
    )
    annotations = gold.assign(annotator_id=1, w=rng.uniform(20, 100, n))
    result = class_iou_distribution(
        compare_to_gold(gold, annotations, DISTRIBUTION_MATCH_IOU), 0.7, bins=10
    ).set_index("class_id")
    iou = annotations["w"].to_numpy() / 100
    kept = iou >= DISTRIBUTION_MATCH_IOU
    for cls in range(3):
        own = iou[kept & (gold["class_id"].to_numpy() == cls)]
        row = result.loc[cls]
        assert row["n_pairs"] == own.size
        assert row["median_iou"] == pytest.approx(np.median(own))
        assert row["p10_iou"] == pytest.approx(np.quantile(own, 0.1))
        assert row["p90_iou"] == pytest.approx(np.quantile(own, 0.9))
        assert list(row["histogram"]) == np.histogram(own, bins=10, range=(0, 1))[0].tolist()
        assert bool(row["median_below_threshold"]) == (np.median(own) < 0.7)


def test_per_annotator_and_class(gold, annotations) -> None:
    comparison = compare_to_gold(gold, annotations, DISTRIBUTION_MATCH_IOU)
    result = class_iou_distribution(comparison, 0.5, by=("annotator_id", "class_id"))
    assert result[["annotator_id", "class_id", "n_pairs"]].values.tolist() == [[7, 0, 1], [8, 0, 1]]


def test_class_must_be_a_dimension(gold, annotations) -> None:
    with pytest.raises(ValueError, match="'class_id' must be in by"):
        class_iou_distribution(compare_to_gold(gold, annotations), 0.5, by="annotator_id")
    with pytest.raises(ValueError, match=r"no threshold for class_id\(s\) \[1\]"):
        class_iou_distribution(compare_to_gold(gold, annotations), {0: 0.5})
