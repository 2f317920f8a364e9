"""Draft review: which gold-item drafts are wrong, and who passes them through."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from labelqc.quality.draft_review import DraftReviewParams, draft_status, review_drafts

GOLD = pd.DataFrame(
    {
        "item_id": [1, 1],
        "class_id": [1, 2],
        "x": [0.0, 20.0],
        "y": [0.0, 0.0],
        "w": [10.0, 10.0],
        "h": [10.0, 10.0],
    }
)
# d1 good; d2 the class-2 object drawn as class 1; d3 a second, looser box on the object d1
# already covers; d4 on background; d5 on an item without gold; d6 on a gold item with no object.
DRAFTS = pd.DataFrame(
    {
        "item_id": [1, 1, 1, 1, 2, 3],
        "class_id": [1, 1, 1, 1, 1, 2],
        "x": [0.0, 20.0, 0.0, 50.0, 0.0, 5.0],
        "y": [0.0, 0.0, 0.0, 50.0, 0.0, 5.0],
        "w": [10.0, 10.0, 14.0, 5.0, 10.0, 5.0],
        "h": [10.0, 10.0, 14.0, 5.0, 10.0, 5.0],
    },
    index=pd.Index([11, 12, 13, 14, 15, 16], name="draft_id"),
)


def decisions(annotator: int, final_class: list[int], iou: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "annotator_id": annotator,
            "draft_id": DRAFTS.index.to_numpy(),
            "final_class_id": final_class,
            "iou": iou,
        }
    )


# Annotator 7 keeps every draft as it is; annotator 8 keeps the good one, fixes the class of
# d2, deletes d3, nudges d4 (minor edit, not kept) and keeps d6.
RUBBER_STAMP = decisions(7, [1, 1, 1, 1, 1, 2], [1.0] * 6)
CAREFUL = decisions(8, [1, 2, -1, 1, 1, 2], [0.97, 1.0, 0.0, 0.9, 1.0, 0.99])


def test_draft_status_names_each_kind_of_mistake() -> None:
    status = draft_status(DRAFTS, GOLD, 0.5, gold_items=[1, 3])

    assert status.to_dict() == {
        11: "good",
        12: "wrong_class",
        13: "poor_box",
        14: "spurious",
        16: "spurious",
    }


def test_per_class_threshold_decides_good_or_poor_box() -> None:
    loose = DRAFTS.loc[[13]]  # IoU 100/196 = 0.51 with the class-1 object

    assert draft_status(loose, GOLD, {1: 0.5, 2: 0.5}, [1]).to_dict() == {13: "good"}
    assert draft_status(loose, GOLD, {1: 0.7, 2: 0.5}, [1]).to_dict() == {13: "poor_box"}


def test_per_annotator_counts_and_interval() -> None:
    result = review_drafts(
        DRAFTS,
        pd.concat([RUBBER_STAMP, CAREFUL]),
        GOLD,
        0.5,
        gold_items=[1, 3],
        params=DraftReviewParams(min_wrong_drafts=3),
    )
    rows = result.annotators.set_index("annotator_id")

    assert rows.loc[7, "drafts_reviewed"] == 6 and rows.loc[7, "kept"] == 6
    assert rows.loc[7, "gold_drafts"] == 5 and rows.loc[7, "wrong_drafts"] == 4
    assert rows.loc[7, "passed_through"] == 4
    assert rows.loc[7, "passed_wrong_class"] == 1
    assert rows.loc[7, "passed_poor_box"] == 1
    assert rows.loc[7, "passed_spurious"] == 2
    assert rows.loc[7, "passed_items"] == [1, 3]
    assert rows.loc[8, "kept"] == 3  # d1, d5, d6
    assert rows.loc[8, "kept_share"] == pytest.approx(0.5)
    assert rows.loc[8, "passed_through"] == 1 and rows.loc[8, "passed_spurious"] == 1
    assert rows.loc[8, "passed_items"] == [3]
    for annotator, passed in ((7, 4), (8, 1)):
        low, high = proportion_confint(passed, 4, alpha=0.05, method="wilson")
        assert rows.loc[annotator, "pass_through_rate"] == pytest.approx(passed / 4)
        assert rows.loc[annotator, "pass_through_low"] == pytest.approx(low, abs=1e-4)
        assert rows.loc[annotator, "pass_through_high"] == pytest.approx(high, abs=1e-4)
    assert bool(rows.loc[7, "over_trusts"]) and not bool(rows.loc[8, "over_trusts"])
    assert result.totals == {
        "drafts_reviewed": 12,
        "kept_share": pytest.approx(9 / 12),
        "gold_drafts": 5,
        "wrong_gold_drafts": 4,
        "draft_error_rate": pytest.approx(0.8),
        "wrong_by_kind": {"wrong_class": 1, "poor_box": 1, "spurious": 2},
        "wrong_draft_reviews": 8,
        "passed_through": 5,
        "pass_through_rate": pytest.approx(5 / 8),
    }


def test_few_wrong_drafts_never_flag_anyone() -> None:
    result = review_drafts(DRAFTS, RUBBER_STAMP, GOLD, 0.5, gold_items=[1, 3])

    # 4 of 4 passed through, but 4 wrong drafts are under the default minimum of 5.
    assert not bool(result.annotators["over_trusts"].iloc[0])


def test_a_class_change_or_a_redraw_is_not_keeping() -> None:
    relabeled = decisions(9, [2, 2, 2, 2, 2, 1], [1.0] * 6)
    redrawn = decisions(10, [1, 1, 1, 1, 1, 2], [0.94] * 6)
    result = review_drafts(
        DRAFTS, pd.concat([relabeled, redrawn]), GOLD, 0.5, gold_items=[1, 3]
    ).annotators

    assert result["kept"].tolist() == [0, 0]
    assert result["passed_through"].tolist() == [0, 0]
    assert result["pass_through_rate"].tolist() == [0.0, 0.0]


def test_annotator_without_gold_drafts_has_no_rate() -> None:
    only_item_2 = RUBBER_STAMP[RUBBER_STAMP["draft_id"] == 15]
    row = review_drafts(DRAFTS, only_item_2, GOLD, 0.5, gold_items=[1, 3]).annotators.iloc[0]

    assert row["gold_drafts"] == 0 and row["wrong_drafts"] == 0
    assert row["pass_through_rate"] is pd.NA and row["pass_through_low"] is pd.NA
    assert not bool(row["over_trusts"])


def test_missing_final_class_means_deleted() -> None:
    deleted = CAREFUL.assign(final_class_id=[np.nan] * 6, iou=[np.nan] * 6)
    row = review_drafts(DRAFTS, deleted, GOLD, 0.5, gold_items=[1, 3]).annotators.iloc[0]

    assert row["kept"] == 0 and row["passed_through"] == 0


def test_unknown_draft_is_named() -> None:
    bad = RUBBER_STAMP.assign(draft_id=[11, 12, 13, 14, 15, 99])

    with pytest.raises(ValueError, match="draft_id 99"):
        review_drafts(DRAFTS, bad, GOLD, 0.5, gold_items=[1, 3])


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="final_class_id"):
        review_drafts(
            DRAFTS, RUBBER_STAMP.drop(columns="final_class_id"), GOLD, 0.5, gold_items=[1]
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kept_iou", -0.1),
        ("kept_iou", 1.1),
        ("max_pass_through", 1.0),
        ("z", 0.0),
        ("min_wrong_drafts", 0),
    ],
)
def test_params_are_checked(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        DraftReviewParams(**{field: value})


def test_interval_stays_inside_zero_and_one() -> None:
    nothing_passed = decisions(8, [2, 2, -1, 1, 1, 2], [1.0, 1.0, 0.0, 0.5, 1.0, 0.5])
    row = review_drafts(DRAFTS, nothing_passed, GOLD, 0.5, gold_items=[1, 3]).annotators.iloc[0]

    assert row["passed_through"] == 0
    assert row["pass_through_low"] == 0.0 and 0.0 < row["pass_through_high"] < 1.0
    everything = review_drafts(DRAFTS, RUBBER_STAMP, GOLD, 0.5, gold_items=[1, 3]).annotators
    assert everything["pass_through_high"].iloc[0] == 1.0


def test_counts_over_all_drafts_may_come_precomputed() -> None:
    both = pd.concat([RUBBER_STAMP, CAREFUL])
    full = review_drafts(DRAFTS, both, GOLD, 0.5, gold_items=[1, 3])
    counted = full.annotators[["annotator_id", "drafts_reviewed", "kept"]]
    only_off_gold = pd.DataFrame({"annotator_id": [9], "drafts_reviewed": [4], "kept": [1]})

    split = review_drafts(
        DRAFTS,
        both[both["draft_id"] != 15],  # the one draft off gold
        GOLD,
        0.5,
        gold_items=[1, 3],
        reviewed=pd.concat([counted, only_off_gold]),
    )

    pd.testing.assert_frame_equal(split.annotators.iloc[:2], full.annotators)
    extra = split.annotators.iloc[2]
    assert (extra["annotator_id"], extra["drafts_reviewed"], extra["kept"]) == (9, 4, 1)
    assert extra["gold_drafts"] == 0 and extra["pass_through_rate"] is pd.NA
    assert extra["passed_items"] == [] and not bool(extra["over_trusts"])
    assert split.totals["drafts_reviewed"] == 16
    assert split.totals["kept_share"] == pytest.approx((9 + 1) / 16)


def test_pass_through_per_window() -> None:
    # The rubber stamp's first three drafts in the first week, the rest in the second.
    stamped = RUBBER_STAMP.assign(
        submitted_at=pd.to_datetime(["2026-03-02"] * 3 + ["2026-03-10"] * 3, utc=True)
    )
    careful = CAREFUL.assign(submitted_at=pd.Timestamp("2026-03-03", tz="UTC"))

    result = review_drafts(
        DRAFTS, pd.concat([stamped, careful]), GOLD, 0.5, gold_items=[1, 3], window="7D"
    )

    rows = result.by_window.astype({"pass_through_rate": float})
    assert rows[["annotator_id", "wrong_drafts", "passed_through"]].values.tolist() == [
        [7, 2, 2],  # d12, d13 in the first window
        [7, 2, 2],  # d14, d16 in the second
        [8, 4, 1],
    ]
    assert (
        rows["window_start"].tolist()
        == pd.to_datetime(["2026-02-26", "2026-03-05", "2026-02-26"], utc=True).tolist()
    )
    assert rows["pass_through_rate"].tolist() == [1.0, 1.0, 0.25]
    assert review_drafts(DRAFTS, RUBBER_STAMP, GOLD, 0.5, gold_items=[1, 3]).by_window is None


def test_window_needs_submission_times_and_a_fixed_frequency() -> None:
    with pytest.raises(ValueError, match="submitted_at"):
        review_drafts(DRAFTS, RUBBER_STAMP, GOLD, 0.5, gold_items=[1, 3], window="7D")
    timed = RUBBER_STAMP.assign(submitted_at=pd.Timestamp("2026-03-02", tz="UTC"))
    with pytest.raises(ValueError, match="window"):
        review_drafts(DRAFTS, timed, GOLD, 0.5, gold_items=[1, 3], window="1M")


def test_window_over_no_decisions_is_empty() -> None:
    none = RUBBER_STAMP.iloc[:0].assign(submitted_at=pd.Series([], dtype="datetime64[ns, UTC]"))

    result = review_drafts(DRAFTS, none, GOLD, 0.5, gold_items=[1, 3], window="7D")

    assert result.by_window.empty and result.annotators.empty
