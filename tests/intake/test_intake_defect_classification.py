"""Defect classification of delivered vs reviewer labels: one hand case per error type."""

from __future__ import annotations

import pandas as pd
import pytest

from labelqc.intake import DEFECT_TYPES, classify_defects, decide, plan_from_table

BOX = (0.0, 0.0, 10.0, 10.0)


def frame(rows: list[tuple], index: list[str] | None = None) -> pd.DataFrame:
    """Rows of (item_id, class_id, x, y, w, h, occluded, truncated)."""
    columns = ["item_id", "class_id", "x", "y", "w", "h", "occluded", "truncated"]
    return pd.DataFrame(rows, columns=columns, index=index)


REFERENCE = frame(
    [
        (1, 0, *BOX, False, False),  # correct
        (2, 0, *BOX, False, False),  # missing
        (4, 0, *BOX, False, False),  # wrong class
        (5, 0, *BOX, False, False),  # poor localisation (IoU 1/3)
        (6, 0, *BOX, False, False),  # wrong attribute (occluded)
        (7, 0, *BOX, False, False),  # wrong class AND poor box: missing + extra
        (8, 0, *BOX, False, False),  # barely touching (IoU < 0.1): missing + extra
        (10, 0, *BOX, False, False),  # not sampled: ignored
        (11, 2, *BOX, False, False),  # class 2 has a 0.3 threshold: IoU 1/3 is correct
        (12, 0, *BOX, True, False),  # truncated differs too: both attributes listed
    ],
    index=[f"r{k}" for k in (1, 2, 4, 5, 6, 7, 8, 10, 11, 12)],
)
DELIVERED = frame(
    [
        (1, 0, *BOX, False, False),
        (3, 1, *BOX, False, False),  # extra (no reference object on item 3)
        (4, 1, *BOX, False, False),
        (5, 0, 5.0, 0.0, 10.0, 10.0, False, False),
        (6, 0, *BOX, True, False),
        (7, 1, 5.0, 0.0, 10.0, 10.0, False, False),
        (8, 0, 9.5, 0.0, 10.0, 10.0, False, False),
        (10, 1, *BOX, False, False),
        (11, 2, 5.0, 0.0, 10.0, 10.0, False, False),
        (12, 0, *BOX, False, True),
    ],
    index=[f"d{k}" for k in (1, 3, 4, 5, 6, 7, 8, 10, 11, 12)],
)
SAMPLED = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
THRESHOLDS = {0: 0.5, 1: 0.5, 2: 0.3}


@pytest.fixture(scope="module")
def report():
    return classify_defects(DELIVERED, REFERENCE, THRESHOLDS, items=SAMPLED)


def defects_of(report, item_id: int) -> list[str]:
    return report.defects.loc[report.defects["item_id"] == item_id, "defect_type"].tolist()


@pytest.mark.parametrize(
    ("item_id", "expected"),
    [
        (1, []),
        (2, ["missing_object"]),
        (3, ["extra_object"]),
        (4, ["wrong_class"]),
        (5, ["poor_localisation"]),
        (6, ["wrong_attribute"]),
        (7, ["missing_object", "extra_object"]),
        (8, ["missing_object", "extra_object"]),
        (9, []),
        (11, []),
        (12, ["wrong_attribute"]),
    ],
)
def test_each_hand_case_gets_its_defect_type(report, item_id: int, expected: list[str]) -> None:
    assert defects_of(report, item_id) == expected


def test_defect_rows_carry_both_sides_classes_iou_and_attributes(report) -> None:
    rows = report.defects.set_index("item_id")
    wrong_class = rows.loc[4]
    assert (wrong_class["reference_index"], wrong_class["delivered_index"]) == ("r4", "d4")
    assert (wrong_class["reference_class_id"], wrong_class["delivered_class_id"]) == (0, 1)
    assert wrong_class["iou"] == pytest.approx(1.0)
    assert rows.loc[5, "iou"] == pytest.approx(50 / 150)
    assert rows.loc[6, "attributes"] == "occluded"
    assert rows.loc[12, "attributes"] == "occluded,truncated"
    missing = report.defects[(report.defects["item_id"] == 2)].iloc[0]
    assert missing["delivered_index"] is None and pd.isna(missing["iou"])
    assert 10 not in report.defects["item_id"].tolist()


def test_item_and_batch_counts_and_rates(report) -> None:
    items = report.items.set_index("item_id")
    assert items.index.tolist() == SAMPLED
    assert items.loc[7, ["n_missing_object", "n_extra_object", "n_defects"]].tolist() == [1, 1, 2]
    assert items.loc[9, ["n_reference", "n_delivered", "n_defects"]].tolist() == [0, 0, 0]
    assert items["defective"].sum() == report.n_defective_items == 8
    assert report.n_items == 11
    assert report.defective_rate == pytest.approx(8 / 11)
    summary = report.summary.set_index("defect_type")
    assert summary.index.tolist() == list(DEFECT_TYPES)
    assert summary["n_defects"].to_dict() == {
        "missing_object": 3,
        "extra_object": 3,
        "wrong_class": 1,
        "poor_localisation": 1,
        "wrong_attribute": 2,
    }
    assert summary.loc["missing_object", "n_items_affected"] == 3
    assert summary.loc["wrong_attribute", "item_rate"] == pytest.approx(2 / 11)
    assert report.compared_attributes == ("occluded", "truncated")


def test_the_lot_decision_uses_the_defective_item_count(report) -> None:
    plan = plan_from_table(1000, 1.0)  # Ac 2: eight defective items reject the lot
    assert decide(report.n_defective_items, plan).verdict == "reject"


def test_matching_is_one_to_one_and_prefers_the_same_class() -> None:
    # Two delivered boxes on one reference object: the same-class one is correct, the other
    # one (a different class on the same spot) is an extra object, not a wrong class.
    reference = frame([(1, 0, *BOX, False, False)], index=["r"])
    delivered = frame(
        [(1, 1, *BOX, False, False), (1, 0, 1.0, 0.0, 10.0, 10.0, False, False)],
        index=["d_other", "d_same"],
    )
    result = classify_defects(delivered, reference, 0.5)
    assert result.defects["defect_type"].tolist() == ["extra_object"]
    assert result.defects["delivered_index"].tolist() == ["d_other"]


def test_annotator_ids_of_the_delivery_are_ignored() -> None:
    reference = frame([(1, 0, *BOX, False, False), (1, 0, 20.0, 0.0, 10.0, 10.0, False, False)])
    delivered = frame([(1, 0, *BOX, False, False), (1, 0, 20.0, 0.0, 10.0, 10.0, False, False)])
    delivered["annotator_id"] = [5, 6]
    assert classify_defects(delivered, reference).n_defective_items == 0


def test_attributes_missing_from_a_frame_are_not_compared() -> None:
    reference = frame([(1, 0, *BOX, True, False)]).drop(columns=["truncated"])
    delivered = frame([(1, 0, *BOX, True, True)]).drop(columns=["occluded"])
    result = classify_defects(delivered, reference)
    assert result.compared_attributes == ()
    assert result.n_defective_items == 0


def test_empty_sample_has_no_rate() -> None:
    empty = frame([])
    result = classify_defects(empty, empty, items=[])
    assert (result.n_items, result.defective_rate) == (0, None)
    assert result.summary["item_rate"].isna().all()


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ValueError, match="delivered"):
        classify_defects(REFERENCE.drop(columns=["x"]), REFERENCE)
    with pytest.raises(ValueError, match="iou_threshold"):
        classify_defects(DELIVERED, REFERENCE, {0: 0.5})
    with pytest.raises(ValueError, match="items"):
        classify_defects(DELIVERED, REFERENCE, THRESHOLDS, items=[1, 1])
    with pytest.raises(ValueError, match=r"delivered\.occluded"):
        classify_defects(DELIVERED.assign(occluded="maybe"), REFERENCE, THRESHOLDS)
    with pytest.raises(ValueError, match="low_iou"):
        classify_defects(DELIVERED, REFERENCE, THRESHOLDS, low_iou=0.0)
