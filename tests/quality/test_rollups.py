"""Roll-ups of gold scores by cohort, scene tag and time window."""

from __future__ import annotations

import pandas as pd
import pytest

from labelqc.quality import score_against_gold

OPTIONS = {"gold_items": [3]}


def counts(scores: pd.DataFrame, key: str) -> dict:
    return {
        (None if pd.isna(k) else k): (tp, fp, fn)
        for k, tp, fp, fn in scores[[key, "tp", "fp", "fn"]].itertuples(index=False)
    }


def test_by_cohort_uses_assignment_and_annotation_cohorts(gold, annotations, assignments) -> None:
    scores = score_against_gold(
        gold, annotations, by="cohort_id", assignments=assignments, **OPTIONS
    )
    # Cohort 2 = annotator 8 (from its boxes) + annotator 9 (from the assignments).
    assert counts(scores, "cohort_id") == {1: (1, 3, 1), 2: (1, 0, 1)}
    assert str(scores["cohort_id"].dtype) == "Int64"
    assert scores.set_index("cohort_id").loc[2, "n_items"] == 1


def test_submission_without_cohort_gets_a_missing_key(gold, annotations) -> None:
    assignments = pd.DataFrame({"item_id": [2], "annotator_id": [9]})
    scores = score_against_gold(gold, annotations, by="cohort_id", assignments=assignments)
    assert counts(scores, "cohort_id") == {1: (1, 2, 1), 2: (1, 0, 0), None: (0, 0, 1)}


def test_by_scene_tag_counts_an_item_under_each_tag(gold, annotations, assignments, items) -> None:
    scores = score_against_gold(
        gold, annotations, by="scene_tag", assignments=assignments, items=items, **OPTIONS
    )
    assert counts(scores, "scene_tag") == {
        "night": (2, 2, 2),  # items 1 and 2
        "rain": (1, 2, 1),  # item 1
        None: (0, 1, 0),  # item 3 has no tag
    }
    assert scores.set_index("scene_tag").loc["night", "n_items"] == 2


def test_scene_tags_can_come_from_gold(gold, annotations) -> None:
    tagged = gold.assign(scene_tags=[("day",), ("day",), ("dusk", "day")])
    scores = score_against_gold(tagged, annotations, by=("scene_tag", "annotator_id"))
    assert counts(scores[scores["annotator_id"] == 8], "scene_tag") == {
        "day": (1, 0, 0),
        "dusk": (1, 0, 0),
    }


def test_by_time_window(gold, annotations, assignments) -> None:
    scores = score_against_gold(
        gold, annotations, by="created_at", window="1D", assignments=assignments, **OPTIONS
    )
    day_one, day_two = pd.Timestamp("2024-03-01", tz="UTC"), pd.Timestamp("2024-03-02", tz="UTC")
    # Annotator 9 drew nothing and its assignment has no time: a missing window.
    assert counts(scores, "created_at") == {
        day_one: (1, 2, 1),
        day_two: (1, 1, 0),
        None: (0, 0, 1),
    }
    hourly = score_against_gold(gold, annotations, by=("annotator_id", "created_at"), window="1h")
    assert len(hourly) == 2


def test_bad_window_and_missing_tags_raise(gold, annotations) -> None:
    with pytest.raises(ValueError, match="not a fixed pandas frequency"):
        score_against_gold(gold, annotations, by="created_at", window="1W")
    with pytest.raises(ValueError, match="scene_tag"):
        score_against_gold(gold, annotations, by="scene_tag")
    with pytest.raises(ValueError, match="repeated dimension"):
        score_against_gold(gold, annotations, by=("annotator_id", "annotator_id"))
