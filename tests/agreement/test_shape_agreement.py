"""Shape IAA: label alpha, spatial alpha (1 - IoU) and Label-Studio-style mean pairwise IoU."""

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from pycocotools import mask as mask_utils

from labelqc.agreement import ABSENT_CLASS, shape_agreement


def _scene(seed: int = 0, items: int = 25) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(items):
        count = rng.integers(1, 4)
        truth = np.column_stack([rng.integers(0, 80, (count, 2)), rng.integers(8, 30, (count, 2))])
        classes = rng.integers(0, 3, count)
        for annotator in (4, 7, 9):
            for box, cls in zip(truth, classes, strict=True):
                if rng.random() < 0.15:
                    continue
                jitter = rng.integers(-2, 3, 4)
                label = cls if rng.random() < 0.85 else (cls + 1) % 3
                rows.append((item, annotator, int(label), *(box + jitter).astype(float)))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"])


def _box_iou(a: np.ndarray, b: np.ndarray) -> float:
    return float(mask_utils.iou([a.tolist()], [b.tolist()], [0])[0, 0])


@pytest.fixture(scope="module")
def scene() -> tuple[pd.DataFrame, object]:
    frame = _scene()
    return frame, shape_agreement(frame)


def test_label_alpha_equals_package_on_explicit_absent_matrix(scene: tuple) -> None:
    _frame, result = scene
    matched = result.matched
    objects = sorted(matched["object_id"].unique())
    annotators = sorted(matched["annotator_id"].unique())
    data = np.full((len(annotators), len(objects)), np.nan)
    for column, object_id in enumerate(objects):
        shapes = matched[matched["object_id"] == object_id]
        item = shapes["item_id"].iloc[0]
        item_annotators = set(matched.loc[matched["item_id"] == item, "annotator_id"])
        for row, annotator in enumerate(annotators):
            drawn = shapes.loc[shapes["annotator_id"] == annotator, "class_id"]
            if len(drawn):
                data[row, column] = drawn.iloc[0]
            elif annotator in item_annotators:
                data[row, column] = ABSENT_CLASS
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result.label_alpha.value == pytest.approx(expected, abs=1e-9)
    assert result.label_alpha.n_coders == 3


def test_spatial_alpha_equals_brute_force(scene: tuple) -> None:
    _frame, result = scene
    matched = result.matched.reset_index(drop=True)
    boxes = matched[["x", "y", "w", "h"]].to_numpy()
    within = [
        1 - _box_iou(boxes[i], boxes[j])
        for _, group in matched.groupby("object_id")
        for i, j in combinations(group.index, 2)
    ]
    across = [
        1 - _box_iou(boxes[i], boxes[j])
        for i, j in combinations(range(len(matched)), 2)
        if matched.at[i, "class_id"] == matched.at[j, "class_id"]
        and matched.at[i, "item_id"] != matched.at[j, "item_id"]
    ]
    assert result.observed_disagreement == pytest.approx(np.mean(within), abs=1e-12)
    assert result.expected_disagreement == pytest.approx(np.mean(across), abs=1e-12)
    expected = 1 - np.mean(within) / np.mean(across)
    assert result.spatial_alpha.value == pytest.approx(expected, abs=1e-12)


def test_mean_pairwise_iou_equals_brute_force(scene: tuple) -> None:
    _frame, result = scene
    matched = result.matched
    item_scores = []
    for _item, shapes in matched.groupby("item_id"):
        pair_scores = []
        for a, b in combinations(sorted(shapes["annotator_id"].unique()), 2):
            mine, theirs = shapes[shapes["annotator_id"] == a], shapes[shapes["annotator_id"] == b]
            both = mine.merge(theirs, on="object_id", suffixes=("_a", "_b"))
            credit = sum(
                _box_iou(
                    row[["x_a", "y_a", "w_a", "h_a"]].to_numpy(),
                    row[["x_b", "y_b", "w_b", "h_b"]].to_numpy(),
                )
                for _, row in both.iterrows()
                if row["class_id_a"] == row["class_id_b"]
            )
            pair_scores.append(credit / (len(mine) + len(theirs) - len(both)))
        if pair_scores:
            item_scores.append(np.mean(pair_scores))
    assert result.mean_pairwise_iou.value == pytest.approx(np.mean(item_scores), abs=1e-12)


def _rectangle_rle(box: np.ndarray, height: int = 120, width: int = 120) -> dict:
    canvas = np.zeros((height, width), dtype=np.uint8)
    x, y, w, h = box.astype(int)
    canvas[y : y + h, x : x + w] = 1
    rle = mask_utils.encode(np.asfortranarray(canvas))
    return {"size": rle["size"], "counts": rle["counts"].decode("ascii")}


def test_masks_of_rectangles_agree_with_boxes() -> None:
    frame = _scene(seed=1, items=8)
    frame["rle"] = [_rectangle_rle(box) for box in frame[["x", "y", "w", "h"]].to_numpy()]
    as_boxes = shape_agreement(frame)
    as_masks = shape_agreement(frame, shape="mask")
    for name in ("label_alpha", "spatial_alpha", "mean_pairwise_iou"):
        assert getattr(as_masks, name).value == pytest.approx(
            getattr(as_boxes, name).value, abs=1e-12
        )
    frame.at[frame.index[1], "rle"] = _rectangle_rle(np.array([0, 0, 4, 4]), 50, 50)
    with pytest.raises(ValueError, match="rle has size"):
        shape_agreement(frame, shape="mask")


def test_assignments_make_silent_annotators_count_as_absent() -> None:
    frame = pd.DataFrame(
        [
            (1, 1, 0, 0.0, 0.0, 10.0, 10.0),
            (1, 2, 0, 0.0, 0.0, 10.0, 10.0),
            (2, 1, 1, 0.0, 0.0, 10.0, 10.0),
            (2, 2, 1, 1.0, 0.0, 10.0, 10.0),
        ],
        columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"],
    )
    alone = shape_agreement(frame)
    assert alone.label_alpha.value == pytest.approx(1.0)  # both annotators agree everywhere
    silent = pd.DataFrame({"item_id": [1, 2], "annotator_id": [3, 3]})
    with_silent = shape_agreement(frame, assignments=silent)
    data = np.array([[0, 1], [0, 1], [ABSENT_CLASS, ABSENT_CLASS]], dtype=float)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert with_silent.label_alpha.value == pytest.approx(expected, abs=1e-12)
    assert with_silent.label_alpha.n_coders == 3


def test_undefined_parts_report_reasons() -> None:
    single = pd.DataFrame(
        [(1, 1, 0, 0.0, 0.0, 10.0, 10.0), (2, 1, 0, 5.0, 5.0, 10.0, 10.0)],
        columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"],
    )
    result = shape_agreement(single, n_boot=10)
    for part in (result.label_alpha, result.spatial_alpha, result.mean_pairwise_iou):
        assert part.value is None and part.reason
    one_item = single.assign(item_id=1, annotator_id=[1, 2], x=[0.0, 1.0], y=[0.0, 0.0])
    spatial = shape_agreement(one_item).spatial_alpha
    assert spatial.value is None and "two or more items" in spatial.reason


def test_bootstrap_interval_and_bad_input(scene: tuple) -> None:
    frame, _result = scene
    result = shape_agreement(frame, n_boot=200, seed=1)
    for part in (result.label_alpha, result.spatial_alpha, result.mean_pairwise_iou):
        assert part.ci_low <= part.value <= part.ci_high
        # items where two or more annotators drew something (the resampled unit)
        assert 0 < part.n_units <= frame["item_id"].nunique()
    with pytest.raises(ValueError, match="reserved"):
        shape_agreement(frame.assign(class_id=ABSENT_CLASS))
    with pytest.raises(ValueError, match="rle"):
        shape_agreement(frame, shape="mask")
