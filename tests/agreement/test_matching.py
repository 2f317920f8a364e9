"""Grouping shapes of several annotators into objects."""

import numpy as np
import pandas as pd
import pytest

from labelqc.agreement import match_objects


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"])


def test_matches_objects_across_annotators_class_agnostically() -> None:
    frame = _frame(
        [
            (1, 10, 0, 0, 0, 10, 10),
            (1, 10, 1, 50, 50, 10, 10),
            (1, 11, 0, 1, 0, 10, 10),
            (1, 11, 2, 51, 51, 10, 10),  # same object, other class: still matched
            (1, 12, 0, 0, 1, 10, 10),
            (1, 12, 0, 200, 200, 5, 5),  # extra object only annotator 12 drew
            (2, 10, 0, 0, 0, 10, 10),  # another item: never matched with item 1
        ]
    ).set_index(pd.Index([7, 3, 9, 1, 5, 2, 8]))
    matched = match_objects(frame)
    assert list(matched.index) == [7, 3, 9, 1, 5, 2, 8]
    ids = matched["object_id"]
    assert ids.loc[7] == ids.loc[9] == ids.loc[5]
    assert ids.loc[3] == ids.loc[1]
    assert len({ids.loc[7], ids.loc[3], ids.loc[2], ids.loc[8]}) == 4
    assert ids.nunique() == 4


def test_one_shape_per_annotator_per_object() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for item in range(30):
        for annotator in range(3):
            for _ in range(rng.integers(0, 6)):
                x, y = rng.uniform(0, 60, 2)
                rows.append((item, annotator, int(rng.integers(0, 3)), x, y, 20.0, 20.0))
    matched = match_objects(_frame(rows))
    per_object = matched.groupby("object_id")["annotator_id"]
    assert (per_object.size() == per_object.nunique()).all()
    assert (matched.groupby("object_id")["item_id"].nunique() == 1).all()


def test_threshold_per_class_uses_the_stricter_class() -> None:
    # IoU of the two boxes: 8*10 / (2*100 - 80) = 0.666...
    frame = _frame([(1, 1, 0, 0, 0, 10, 10), (1, 2, 1, 2, 0, 10, 10)])
    assert match_objects(frame, 0.6)["object_id"].nunique() == 1
    assert match_objects(frame, 0.7)["object_id"].nunique() == 2
    assert match_objects(frame, {0: 0.5, 1: 0.7})["object_id"].nunique() == 2
    with pytest.raises(ValueError, match=r"class_id.*1"):
        match_objects(frame, {0: 0.5})


def test_hungarian_prefers_the_best_total_assignment() -> None:
    frame = _frame(
        [
            (1, 1, 0, 0, 0, 10, 10),
            (1, 1, 0, 6, 0, 10, 10),
            (1, 2, 0, 1, 0, 10, 10),  # best with the first
            (1, 2, 0, 7, 0, 10, 10),  # best with the second
        ]
    )
    ids = match_objects(frame, 0.3)["object_id"].to_numpy()
    assert ids[0] == ids[2] and ids[1] == ids[3] and ids[0] != ids[1]


def test_bad_boxes_are_rejected_with_the_row() -> None:
    frame = _frame([(1, 1, 0, 0, 0, 10, -1)])
    with pytest.raises(ValueError, match="row 0"):
        match_objects(frame)
    with pytest.raises(ValueError, match="missing column"):
        match_objects(frame.drop(columns="w"))
