"""Signed size bias log(area_ann / area_gold) and IoU spread on matched pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.geometry import FrameValidationError
from labelqc.quality import compare_to_gold, size_bias


def test_hand_computed_bias_and_variance(gold, annotations) -> None:
    result = size_bias(compare_to_gold(gold, annotations, class_aware=False)).set_index(
        "annotator_id"
    )
    # 7 matches A (same size) and B (same size); 8 matches C drawn 10 % wider.
    assert result.loc[7, "n_pairs"] == 2
    assert result.loc[7, "size_bias_mean"] == pytest.approx(0.0)
    assert result.loc[7, "size_bias_var"] == pytest.approx(0.0)
    assert result.loc[7, "iou_mean"] == pytest.approx((90 / 110 + 1.0) / 2)
    assert result.loc[7, "iou_var"] == pytest.approx(np.var([90 / 110, 1.0], ddof=1))
    assert result.loc[8, "size_bias_mean"] == pytest.approx(np.log(1.1))
    assert result.loc[8, "size_bias_var"] is pd.NA  # one pair: no sample variance


def test_loose_and_tight_annotators_on_random_data() -> None:
    rng = np.random.default_rng(11)
    n = 400
    gold = pd.DataFrame(
        {
            "item_id": np.arange(n),
            "class_id": 0,
            "x": 100.0,
            "y": 100.0,
            "w": rng.uniform(40, 80, n),
            "h": rng.uniform(40, 80, n),
        }
    )
    scale = {1: 1.08, 2: 0.93}
    parts = []
    for annotator, factor in scale.items():
        jitter = np.exp(rng.normal(0, 0.02, (n, 2)))
        parts.append(
            gold.assign(
                annotator_id=annotator,
                w=gold["w"] * factor * jitter[:, 0],
                h=gold["h"] * factor * jitter[:, 1],
            )
        )
    annotations = pd.concat(parts, ignore_index=True)
    result = size_bias(compare_to_gold(gold, annotations)).set_index("annotator_id")
    assert result.loc[1, "size_bias_mean"] > 0.1  # loose: boxes too large
    assert result.loc[2, "size_bias_mean"] < -0.1  # tight: boxes too small
    log_ratio = np.log(
        (annotations["w"] * annotations["h"]).to_numpy() / np.tile(gold["w"] * gold["h"], 2)
    )
    for annotator in (1, 2):
        own = log_ratio[annotations["annotator_id"].to_numpy() == annotator]
        assert result.loc[annotator, "size_bias_mean"] == pytest.approx(own.mean())
        assert result.loc[annotator, "size_bias_var"] == pytest.approx(own.var(ddof=1))


def test_area_column_source(gold, annotations) -> None:
    comparison = compare_to_gold(
        gold.assign(area=[50.0, 50.0, 50.0]), annotations.assign(area=100.0)
    )
    result = size_bias(comparison, area_source="area").set_index("annotator_id")
    assert result.loc[8, "size_bias_mean"] == pytest.approx(np.log(2.0))
    with pytest.raises(FrameValidationError, match="area"):
        size_bias(compare_to_gold(gold, annotations), area_source="area")
    with pytest.raises(FrameValidationError, match="non-positive"):
        size_bias(
            compare_to_gold(gold.assign(area=0.0), annotations.assign(area=1.0)),
            area_source="area",
        )
