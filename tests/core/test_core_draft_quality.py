"""labelqc.draft_quality: precision, recall and effort mix of drafts per model version."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from labelqc.draft_quality import draft_quality

A, B = "detector-v1", "detector-v2"


def drafts_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["model_id", "class_id", "bucket", "deleted", "relabeled", "n", "iou_sum"]
    )


def added_frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["model_id", "class_id", "n"])


def test_one_model_by_hand():
    drafts = drafts_frame(
        [
            (A, 1, "approved_as_is", False, False, 6, 5.88),
            (A, 1, "minor_edit", False, True, 2, 1.7),
            (A, 1, "rework", False, False, 1, 0.3),
            (A, 1, "rework", True, False, 3, 0.0),
            (A, 2, "approved_as_is", False, False, 2, 1.96),
        ]
    )
    table = draft_quality(drafts, added_frame([(A, 1, 3), (A, 2, 2), (A, 3, 1)]))
    car = table[(table["class_id"] == 1)].iloc[0]
    assert (car["drafts"], car["kept"], car["deleted"], car["added"]) == (12, 9, 3, 3)
    assert (car["approved_as_is"], car["minor_edit"], car["redrawn"], car["relabeled"]) == (
        6,
        2,
        1,
        2,
    )
    assert car["precision"] == pytest.approx(9 / 12)
    assert car["recall"] == pytest.approx(9 / 12)
    assert car["approved_as_is_share"] == pytest.approx(6 / 12)
    assert car["mean_iou"] == pytest.approx((5.88 + 1.7 + 0.3) / 9)
    only_added = table[(table["class_id"] == 3)].iloc[0]
    assert only_added["drafts"] == 0 and only_added["recall"] == 0.0
    assert math.isnan(only_added["precision"]) and math.isnan(only_added["mean_iou"])
    total = table[table["class_id"].isna()].iloc[0]
    assert (total["drafts"], total["kept"], total["added"]) == (14, 11, 6)
    assert total["recall"] == pytest.approx(11 / 17)
    assert list(table["class_id"].iloc[:-1]) == [1, 2, 3]  # classes, then the model's total


def test_models_are_kept_apart_and_sorted():
    drafts = drafts_frame(
        [
            (B, 1, "approved_as_is", False, False, 4, 4.0),
            (A, 1, "rework", True, False, 4, 0.0),
        ]
    )
    table = draft_quality(drafts, added_frame([]))
    assert list(table["model_id"]) == [A, A, B, B]
    assert list(table.loc[table["class_id"].isna(), "precision"]) == [0.0, 1.0]


def test_matches_a_per_draft_count():
    rng = np.random.default_rng(7)
    n = 400
    per_draft = pd.DataFrame(
        {
            "model_id": rng.choice([A, B], n),
            "class_id": rng.integers(1, 4, n),
            "bucket": rng.choice(["approved_as_is", "minor_edit", "rework"], n),
            "deleted": rng.random(n) < 0.2,
            "relabeled": rng.random(n) < 0.1,
            "iou": rng.random(n),
        }
    )
    per_draft.loc[per_draft["deleted"], ["iou", "relabeled"]] = [0.0, False]
    per_draft.loc[per_draft["deleted"], "bucket"] = "rework"
    grouped = (
        per_draft.groupby(["model_id", "class_id", "bucket", "deleted", "relabeled"])
        .agg(n=("iou", "size"), iou_sum=("iou", "sum"))
        .reset_index()
    )
    added = pd.DataFrame({"model_id": rng.choice([A, B], 50), "class_id": rng.integers(1, 4, 50)})
    table = draft_quality(grouped, added.value_counts().rename("n").reset_index())
    for (model, cls), group in per_draft.groupby(["model_id", "class_id"]):
        row = table[(table["model_id"] == model) & (table["class_id"] == cls)].iloc[0]
        kept = group[~group["deleted"]]
        n_added = int(((added["model_id"] == model) & (added["class_id"] == cls)).sum())
        assert row["drafts"] == len(group) and row["kept"] == len(kept)
        assert row["redrawn"] == int((kept["bucket"] == "rework").sum())
        assert row["relabeled"] == int(kept["relabeled"].sum())
        assert row["precision"] == pytest.approx(len(kept) / len(group))
        assert row["recall"] == pytest.approx(len(kept) / (len(kept) + n_added))
        assert row["mean_iou"] == pytest.approx(kept["iou"].mean())


def test_empty_input_gives_an_empty_table():
    assert draft_quality(drafts_frame([]), added_frame([])).empty


def test_bad_input_names_what_is_wrong():
    with pytest.raises(ValueError, match="drafts: missing columns"):
        draft_quality(pd.DataFrame({"model_id": []}), added_frame([]))
    with pytest.raises(ValueError, match="unknown buckets"):
        draft_quality(drafts_frame([(A, 1, "fine", False, False, 1, 1.0)]), added_frame([]))
