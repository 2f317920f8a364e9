"""Agreement on occluded / truncated flags over matched pairs."""

from __future__ import annotations

import pytest

from labelqc.geometry import FrameValidationError
from labelqc.quality import attribute_agreement, compare_to_gold


def test_share_of_equal_flags(gold, annotations) -> None:
    comparison = compare_to_gold(gold, annotations, class_aware=False)
    result = attribute_agreement(comparison).set_index("annotator_id")
    assert list(result.columns) == ["occluded_n", "occluded_agreement"]  # no "truncated" column
    # 7: A (True, True) agrees; B's annotation has no value and is left out.
    assert result.loc[7, "occluded_n"] == 1 and result.loc[7, "occluded_agreement"] == 1.0
    # 8: C is occluded in gold, not in the annotation.
    assert result.loc[8, "occluded_n"] == 1 and result.loc[8, "occluded_agreement"] == 0.0


def test_overall_and_several_attributes(gold, annotations) -> None:
    comparison = compare_to_gold(
        gold.assign(truncated=[0, 1, 0]),
        annotations.assign(truncated=[0, 1, 1, 0, 1]),
        class_aware=False,
    )
    overall = attribute_agreement(comparison, by=()).iloc[0]
    assert overall["truncated_n"] == 3
    assert overall["truncated_agreement"] == pytest.approx(2 / 3)
    assert overall["occluded_agreement"] == pytest.approx(1 / 2)


def test_named_attribute_must_exist(gold, annotations) -> None:
    comparison = compare_to_gold(gold, annotations)
    with pytest.raises(FrameValidationError, match="truncated"):
        attribute_agreement(comparison, attributes=["truncated"])
    with pytest.raises(FrameValidationError, match="expected booleans"):
        attribute_agreement(
            compare_to_gold(gold.assign(occluded="yes"), annotations), attributes=["occluded"]
        )
