"""Uncertainty components follow their definitions and stay in [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import jaccard_score

from labelqc.prelabel import PrelabelResult, Uncertainty, aggregate_item, combine
from labelqc.prelabel.uncertainty import (
    multimask_disagreement,
    object_score_entropy,
    stability_scores,
)

logit_stacks = arrays(np.float32, (3, 6, 7), elements=st.floats(-4, 4, width=32, allow_nan=False))


def test_stability_is_iou_of_the_two_thresholded_masks() -> None:
    logits = np.array([[[-2.0, -0.5, 0.5], [1.5, 3.0, -3.0]]])
    # > +1: {1.5, 3.0} (2 pixels); > -1: {-0.5, 0.5, 1.5, 3.0} (4 pixels)
    assert stability_scores(logits, offset=1.0).tolist() == [0.5]
    assert stability_scores(np.full((1, 2, 2), -9.0), 1.0).tolist() == [1.0]


@given(logit_stacks)
@settings(max_examples=40, deadline=None)
def test_disagreement_matches_sklearn_jaccard(logits: np.ndarray) -> None:
    masks = (logits > 0).reshape(3, -1)
    pairs = [(0, 1), (0, 2), (1, 2)]
    ious = [
        1.0 if not (masks[a] | masks[b]).any()
        else jaccard_score(masks[a], masks[b], zero_division=1.0)
        for a, b in pairs
    ]  # fmt: skip
    assert multimask_disagreement(logits) == pytest.approx(1 - np.mean(ious), abs=1e-6)


@given(logit_stacks, st.floats(0, 3))
@settings(max_examples=40, deadline=None)
def test_components_lie_in_unit_interval(logits: np.ndarray, offset: float) -> None:
    stability = stability_scores(logits, offset)
    disagreement = multimask_disagreement(logits)
    entropy = object_score_entropy(logits.reshape(-1))
    for values in (stability, disagreement, entropy):
        assert np.all((values >= 0) & (values <= 1))


def test_entropy_is_one_bit_at_zero_and_small_when_confident() -> None:
    entropy = object_score_entropy(np.array([0.0, 10.0, -10.0]))
    assert entropy[0] == pytest.approx(1.0)
    assert entropy[1] < 0.01 and entropy[2] < 0.01


def test_combined_is_the_mean_of_defined_components() -> None:
    uncertainty = combine(predicted_iou=0.8, stability=0.9, disagreement=0.3)
    assert uncertainty.iou_uncertainty == pytest.approx(0.2)
    assert uncertainty.instability == pytest.approx(0.1)
    assert uncertainty.combined == pytest.approx((0.2 + 0.1 + 0.3) / 3)
    undefined = combine(reason_if_undefined="nothing to go on")
    assert undefined.combined is None and undefined.reason == "nothing to go on"
    assert combine(predicted_iou=float("nan")).combined is None


def _result(combined: float | None) -> PrelabelResult:
    return PrelabelResult(
        prompt_index=0, class_id=None, rle={"size": [1, 1], "counts": "1"},
        bbox_xywh=(0.0, 0.0, 1.0, 1.0), area=1.0, predicted_iou=None, score=None,
        uncertainty=Uncertainty(combined=combined), backend="x", model_id="y",
    )  # fmt: skip


def test_item_aggregate_is_max_and_mean() -> None:
    aggregate = aggregate_item([_result(0.2), _result(None), _result(0.6)])
    assert (aggregate.max, aggregate.count) == (0.6, 2)
    assert aggregate.mean == pytest.approx(0.4)
    assert aggregate_item([]).reason == "item has no pre-labels"
    assert aggregate_item([_result(None)]).max is None
