"""Golden-set scores worked out by hand: TP/FP/FN, rates, IoU statistics, thresholds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.geometry import FrameValidationError
from labelqc.quality import score_against_gold, score_against_gold_per_class

IOU_A = 90 / 110
IOU_C = 100 / 110


def by_annotator(scores: pd.DataFrame) -> dict[int, dict]:
    return {int(row["annotator_id"]): row for row in scores.to_dict("records")}


def test_per_annotator_scores(gold, annotations, assignments) -> None:
    scores = score_against_gold(gold, annotations, 0.5, assignments=assignments, gold_items=[3])
    assert scores["annotator_id"].tolist() == [7, 8, 9]
    rows = by_annotator(scores)
    seven, eight, nine = rows[7], rows[8], rows[9]
    # 7: A matched; B drawn as class 0 (FP + FN); a stray box; a box on the empty gold item 3.
    assert (seven["tp"], seven["fp"], seven["fn"], seven["n_items"]) == (1, 3, 1, 2)
    assert seven["precision"] == pytest.approx(1 / 4)
    assert seven["recall"] == pytest.approx(1 / 2)
    assert seven["accuracy"] == pytest.approx(1 / 5)
    assert seven["mean_iou"] == seven["median_iou"] == seven["p10_iou"] == pytest.approx(IOU_A)
    assert (eight["tp"], eight["fp"], eight["fn"]) == (1, 0, 0)
    assert eight["accuracy"] == 1.0 and eight["mean_iou"] == pytest.approx(IOU_C)
    # 9 was assigned item 2 and drew nothing: every gold object is a miss.
    assert (nine["tp"], nine["fp"], nine["fn"], nine["n_items"]) == (0, 0, 1, 1)
    assert pd.isna(nine["precision"])
    assert nine["recall"] == 0.0 and nine["accuracy"] == 0.0
    assert pd.isna(nine["mean_iou"]) and pd.isna(nine["p10_iou"])
    assert scores.loc[scores["annotator_id"] == 9, "precision"].iloc[0] is pd.NA


def test_undefined_values_are_na_not_nan(gold, annotations, assignments) -> None:
    scores = score_against_gold(gold, annotations, assignments=assignments)
    for column in ("precision", "recall", "accuracy", "mean_iou", "median_iou", "p10_iou"):
        assert str(scores[column].dtype) == "Float64"
    assert not [c for c in scores.columns if scores[c].dtype == np.float64]


def test_overall_row_and_iou_quantiles(gold, annotations, assignments) -> None:
    overall = score_against_gold(gold, annotations, by=(), assignments=assignments, gold_items=[3])
    assert len(overall) == 1
    row = overall.iloc[0]
    assert (row["tp"], row["fp"], row["fn"], row["n_items"]) == (2, 3, 2, 3)
    assert row["precision"] == pytest.approx(2 / 5)
    assert row["accuracy"] == pytest.approx(2 / 7)
    assert row["mean_iou"] == pytest.approx((IOU_A + IOU_C) / 2)
    assert row["median_iou"] == pytest.approx((IOU_A + IOU_C) / 2)
    assert row["p10_iou"] == pytest.approx(IOU_A + 0.1 * (IOU_C - IOU_A))


def test_without_gold_items_the_empty_item_is_not_graded(gold, annotations) -> None:
    rows = by_annotator(score_against_gold(gold, annotations))
    assert (rows[7]["fp"], rows[7]["n_items"]) == (2, 1)


def test_per_class_scores(gold, annotations, assignments) -> None:
    scores = score_against_gold_per_class(
        gold, annotations, assignments=assignments, gold_items=[3]
    )
    table = scores.set_index(["annotator_id", "class_id"])[["tp", "fp", "fn"]]
    assert table.to_dict("index") == {
        (7, 0): {"tp": 1, "fp": 2, "fn": 0},
        (7, 1): {"tp": 0, "fp": 1, "fn": 1},
        (8, 0): {"tp": 1, "fp": 0, "fn": 0},
        (9, 0): {"tp": 0, "fp": 0, "fn": 1},
    }


def test_per_class_thresholds(gold, annotations) -> None:
    # Class 0 needs 0.85: annotator 7's box on A (IoU 0.818) no longer matches, 8's on C does.
    rows = by_annotator(score_against_gold(gold, annotations, {0: 0.85, 1: 0.5}))
    assert (rows[7]["tp"], rows[7]["fp"], rows[7]["fn"]) == (0, 3, 2)
    assert (rows[8]["tp"], rows[8]["fp"], rows[8]["fn"]) == (1, 0, 0)


def test_class_agnostic_scoring_counts_a_wrong_class_as_matched(gold, annotations) -> None:
    rows = by_annotator(score_against_gold(gold, annotations, class_aware=False))
    assert (rows[7]["tp"], rows[7]["fp"], rows[7]["fn"]) == (2, 1, 0)


def test_bad_inputs_raise(gold, annotations) -> None:
    with pytest.raises(ValueError, match="unknown dimension 'vendor'"):
        score_against_gold(gold, annotations, by=("vendor",))
    with pytest.raises(ValueError, match="needs a window"):
        score_against_gold(gold, annotations, by=("created_at",))
    with pytest.raises(FrameValidationError, match=r"gold: missing required column\(s\) \['h'\]"):
        score_against_gold(gold.drop(columns="h"), annotations)
    with pytest.raises(ValueError, match="IoU threshold must be in"):
        score_against_gold(gold, annotations, 0.0)
