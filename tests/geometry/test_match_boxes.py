"""Frame-level matching equals a per-group reference built on box_iou + match_iou_matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.geometry import (
    FrameValidationError,
    box_iou,
    match_boxes,
    match_iou_matrix,
    thresholds_for_classes,
)


def crowded_workload(seed: int, n_items: int = 120) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Clustered boxes so that many groups are ambiguous (several candidates per box)."""
    rng = np.random.default_rng(seed)
    per_item = rng.integers(0, 9, n_items)
    n_gold = int(per_item.sum())
    centre = rng.uniform(20, 40, (n_gold, 2))
    size = rng.uniform(8, 20, (n_gold, 2))
    gold = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_items) * 3 + 5, per_item),
            "annotator_id": -1,
            "class_id": rng.integers(0, 3, n_gold),
            "x": centre[:, 0] - size[:, 0] / 2,
            "y": centre[:, 1] - size[:, 1] / 2,
            "w": size[:, 0],
            "h": size[:, 1],
        },
        index=pd.RangeIndex(n_gold) * 2 + 100,
    )
    parts = []
    for annotator in (11, 12, 13):
        keep = rng.random(n_gold) < 0.85
        drawn = gold[keep].copy()
        drawn["annotator_id"] = annotator
        drawn[["x", "y"]] += rng.normal(0, 2.0, (len(drawn), 2))
        drawn[["w", "h"]] *= np.exp(rng.normal(0, 0.15, (len(drawn), 2)))
        relabel = rng.random(len(drawn)) < 0.1
        drawn.loc[relabel, "class_id"] = rng.integers(0, 3, int(relabel.sum()))
        parts.append(drawn)
    annotations = pd.concat(parts, ignore_index=True)
    return gold, annotations


def reference_match(
    gold: pd.DataFrame, annotations: pd.DataFrame, threshold: float | dict, class_aware: bool
) -> dict[tuple[int, int], tuple[int, float]]:
    """Per (item, annotator): (number of pairs, total IoU), one group at a time."""
    result = {}
    for (item, annotator), drawn in annotations.groupby(["item_id", "annotator_id"]):
        truth = gold[gold["item_id"] == item]
        iou = box_iou(truth[["x", "y", "w", "h"]], drawn[["x", "y", "w", "h"]])
        if class_aware:
            same = truth["class_id"].to_numpy()[:, None] == drawn["class_id"].to_numpy()[None, :]
            iou = np.where(same, iou, 0.0)
        rows, cols = match_iou_matrix(
            iou, thresholds_for_classes(threshold, truth["class_id"].to_numpy())
        )
        result[(int(item), int(annotator))] = (rows.size, float(iou[rows, cols].sum()))
    return result


@pytest.mark.parametrize("class_aware", [True, False])
@pytest.mark.parametrize("threshold", [0.5, {0: 0.3, 1: 0.5, 2: 0.75}])
def test_equals_per_group_reference(class_aware: bool, threshold: float | dict) -> None:
    gold, annotations = crowded_workload(seed=1)
    result = match_boxes(gold, annotations, threshold, class_aware)
    assert result.n_ambiguous_groups > 0  # the workload exercises linear_sum_assignment
    totals = result.pairs.groupby(["item_id", "annotator_id"])["iou"].agg(["size", "sum"])
    expected = reference_match(gold, annotations, threshold, class_aware)
    for key, (count, total) in expected.items():
        got_count, got_total = totals.loc[key].tolist() if key in totals.index else (0, 0.0)
        assert got_count == count, key
        assert got_total == pytest.approx(total, abs=1e-9), key


def test_pairs_are_one_to_one_eligible_and_labelled() -> None:
    gold, annotations = crowded_workload(seed=2)
    result = match_boxes(gold, annotations, 0.5)
    pairs = result.pairs
    assert not pairs.duplicated(["gold_row", "annotator_id"]).any()
    assert not pairs["ann_row"].duplicated().any()
    assert (pairs["iou"] >= 0.5).all()
    assert (pairs["gold_class_id"] == pairs["ann_class_id"]).all()
    # Index labels and positions point at the same rows.
    np.testing.assert_array_equal(gold.index[pairs["gold_row"]], pairs["gold_index"])
    np.testing.assert_array_equal(annotations.index[pairs["ann_row"]], pairs["ann_index"])
    np.testing.assert_array_equal(
        annotations["item_id"].to_numpy()[pairs["ann_row"]], pairs["item_id"]
    )
    np.testing.assert_array_equal(gold["item_id"].to_numpy()[pairs["gold_row"]], pairs["item_id"])
    recomputed = box_iou(
        gold[["x", "y", "w", "h"]].to_numpy()[pairs["gold_row"]],
        annotations[["x", "y", "w", "h"]].to_numpy()[pairs["ann_row"]],
    ).diagonal()
    np.testing.assert_allclose(recomputed, pairs["iou"], atol=1e-12)


def test_counts_balance_per_group() -> None:
    gold, annotations = crowded_workload(seed=3)
    result = match_boxes(gold, annotations, 0.5, class_aware=False)
    groups = result.groups
    tp = np.bincount(result.pairs["group"], minlength=len(groups))
    fn = np.bincount(result.unmatched_gold["group"], minlength=len(groups))
    fp = np.bincount(result.unmatched_ann["group"], minlength=len(groups))
    np.testing.assert_array_equal(tp + fn, groups["n_gold"])
    np.testing.assert_array_equal(tp + fp, groups["n_ann"])
    gold_per_item = gold.groupby("item_id").size()
    np.testing.assert_array_equal(
        groups["n_gold"], gold_per_item.reindex(groups["item_id"], fill_value=0)
    )


def test_chunking_does_not_change_the_result() -> None:
    gold, annotations = crowded_workload(seed=4, n_items=60)
    whole = match_boxes(gold, annotations, 0.5)
    chunked = match_boxes(gold, annotations, 0.5, max_pairs_per_chunk=7)
    pd.testing.assert_frame_equal(whole.pairs, chunked.pairs)
    pd.testing.assert_frame_equal(whole.unmatched_gold, chunked.unmatched_gold)
    pd.testing.assert_frame_equal(whole.unmatched_ann, chunked.unmatched_ann)


def boxes(rows: list[tuple]) -> pd.DataFrame:
    columns = ["item_id", "annotator_id", "class_id", "x", "y", "w", "h"]
    return pd.DataFrame(rows, columns=columns).astype({"x": float, "y": float})


def test_empty_submissions_gold_items_and_ungraded_annotations() -> None:
    gold = boxes([(1, -1, 0, 0, 0, 10, 10), (1, -1, 0, 20, 0, 10, 10)])
    annotations = boxes(
        [
            (1, 7, 0, 0, 0, 10, 10),  # TP
            (2, 7, 0, 0, 0, 10, 10),  # item 2: gold item with no gold object -> FP
            (3, 7, 0, 0, 0, 10, 10),  # item 3: not a gold item -> ungraded
        ]
    )
    assignments = pd.DataFrame({"item_id": [1, 3], "annotator_id": [8, 8]})
    result = match_boxes(gold, annotations, 0.5, assignments=assignments, gold_items=[2])
    assert result.groups[["item_id", "annotator_id"]].values.tolist() == [[1, 7], [1, 8], [2, 7]]
    assert result.groups["n_gold"].tolist() == [2, 2, 0]
    assert result.groups["n_ann"].tolist() == [1, 0, 1]
    assert len(result.pairs) == 1
    assert sorted(map(tuple, result.unmatched_gold[["annotator_id", "gold_row"]].values)) == [
        (7, 1),
        (8, 0),
        (8, 1),
    ]
    assert result.unmatched_ann["item_id"].tolist() == [2]
    assert result.n_ungraded_ann == 1


def test_empty_frames() -> None:
    empty = boxes([])
    result = match_boxes(empty, empty, 0.5)
    assert len(result.pairs) == len(result.groups) == len(result.unmatched_gold) == 0
    gold = boxes([(1, -1, 0, 0, 0, 10, 10)])
    result = match_boxes(
        gold, empty, 0.5, assignments=pd.DataFrame({"item_id": [1], "annotator_id": [4]})
    )
    assert result.unmatched_gold["annotator_id"].tolist() == [4]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("w", -1.0, r"annotations\.w: row 0 is negative"),
        ("x", np.nan, r"annotations\.x: row 0 is not a finite number"),
        ("item_id", 1.5, r"annotations\.item_id: row 0"),
        ("class_id", "car", r"annotations\.class_id: expected integers"),
    ],
)
def test_bad_values_raise_naming_the_field(column: str, value: object, message: str) -> None:
    gold = boxes([(1, -1, 0, 0, 0, 10, 10)])
    annotations = boxes([(1, 7, 0, 0, 0, 10, 10)]).astype({column: object})
    annotations.loc[0, column] = value
    if column != "class_id":
        annotations[column] = pd.to_numeric(annotations[column])
    with pytest.raises(FrameValidationError, match=message):
        match_boxes(gold, annotations, 0.5)


def test_missing_column_and_duplicate_index_raise() -> None:
    gold = boxes([(1, -1, 0, 0, 0, 10, 10)])
    with pytest.raises(
        FrameValidationError, match=r"annotations: missing required column\(s\) \['annotator_id'\]"
    ):
        match_boxes(gold, gold.drop(columns="annotator_id"), 0.5)
    doubled = pd.concat([gold, gold])
    with pytest.raises(FrameValidationError, match="gold: index label 0 is not unique"):
        match_boxes(doubled, boxes([(1, 7, 0, 0, 0, 10, 10)]), 0.5)
    with pytest.raises(ValueError, match=r"no threshold for class_id\(s\) \[0\]"):
        match_boxes(gold, boxes([(1, 7, 0, 0, 0, 10, 10)]), {5: 0.5})


small_scenes = st.lists(
    st.tuples(
        st.integers(0, 2),  # item
        st.integers(0, 2),  # annotator (-1 marks gold)
        st.integers(0, 1),  # class
        st.integers(0, 20),
        st.integers(0, 20),
        st.integers(1, 12),
        st.integers(1, 12),
        st.booleans(),  # gold row?
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(small_scenes, st.booleans())
def test_frame_matching_is_one_to_one(rows: list[tuple], class_aware: bool) -> None:
    gold = boxes([(r[0], -1, *r[2:7]) for r in rows if r[7]])
    annotations = boxes([r[:7] for r in rows if not r[7]])
    result = match_boxes(gold, annotations, 0.3, class_aware)
    pairs = result.pairs
    assert not pairs.duplicated(["gold_row", "annotator_id"]).any()
    assert not pairs["ann_row"].duplicated().any()
    assert (pairs["iou"] >= 0.3).all()
    tp = np.bincount(pairs["group"], minlength=len(result.groups))
    fn = np.bincount(result.unmatched_gold["group"], minlength=len(result.groups))
    fp = np.bincount(result.unmatched_ann["group"], minlength=len(result.groups))
    np.testing.assert_array_equal(tp + fn, result.groups["n_gold"])
    np.testing.assert_array_equal(tp + fp, result.groups["n_ann"])
