"""Class confusion from class-agnostic matching, with an "unmatched" row and column."""

from __future__ import annotations

import pandas as pd
import pytest

from labelqc.quality import (
    UNMATCHED,
    class_confusion_matrix,
    compare_to_gold,
    confusion_counts,
    confusion_matrix_from_counts,
)


def test_confusion_matrix(gold, annotations, assignments) -> None:
    matrix = class_confusion_matrix(gold, annotations, 0.5, assignments=assignments, gold_items=[3])
    assert matrix.index.tolist() == [0, 1, UNMATCHED]
    assert matrix.columns.tolist() == [0, 1, UNMATCHED]
    # Rows: gold class.  (0,0): A by 7 and C by 8; (0,unmatched): C missed by 9;
    # (1,0): B drawn as class 0; unmatched row: the box on empty item 3 (class 0), the stray (1).
    assert matrix.to_numpy().tolist() == [[2, 0, 1], [1, 0, 0], [1, 1, 0]]


def test_counts_per_annotator_add_up_to_the_matrix(gold, annotations, assignments) -> None:
    comparison = compare_to_gold(
        gold, annotations, class_aware=False, assignments=assignments, gold_items=[3]
    )
    per_annotator = confusion_counts(comparison, by="annotator_id")
    assert str(per_annotator["gold_class_id"].dtype) == "Int64"
    seven = per_annotator[per_annotator["annotator_id"] == 7]
    assert seven["count"].sum() == 4
    assert seven[seven["gold_class_id"].isna()]["ann_class_id"].tolist() == [
        0,
        1,
    ]  # two boxes with no gold partner
    pd.testing.assert_frame_equal(
        confusion_matrix_from_counts(per_annotator),
        confusion_matrix_from_counts(confusion_counts(comparison)),
    )


def test_class_aware_comparison_is_refused(gold, annotations) -> None:
    with pytest.raises(ValueError, match="class-agnostic"):
        confusion_counts(compare_to_gold(gold, annotations))


def test_empty_confusion() -> None:
    empty = pd.DataFrame(
        {"gold_class_id": pd.array([], "Int64"), "ann_class_id": pd.array([], "Int64"), "count": []}
    )
    matrix = confusion_matrix_from_counts(empty)
    assert matrix.index.tolist() == [UNMATCHED] and matrix.to_numpy().tolist() == [[0]]
