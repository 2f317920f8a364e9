"""The demo program on real photos: cohorts, annotators, frames and columns as promised."""

from __future__ import annotations

import pandas as pd

from labelqc.simulate import CLASS_NAMES, demo_spec


def test_demo_spec_shape() -> None:
    spec = demo_spec()
    assert {c.kind for c in spec.cohorts} == {"managed", "crowd", "internal"}
    assert [c.name for c in spec.cohorts] == ["Northwind managed", "Crowd pool", "In-house"]
    assert len(spec.annotators) == 8
    profiles = [a.profile.name for a in spec.annotators]
    for name in (
        "careful",
        "loose_box",
        "misses_small",
        "class_confuser",
        "drifter",
        "rubber_stamp",
        "clean",
    ):
        assert name in profiles
    assert spec.n_days == 10 and spec.overlap == (2, 3) and spec.n_items == 40


def test_demo_frames_have_the_canonical_columns(demo_program) -> None:
    program = demo_program
    assert list(program.items.columns[:6]) == [
        "item_id",
        "width",
        "height",
        "scene_tags",
        "is_gold",
        "day",
    ]
    for column in (
        "item_id",
        "annotator_id",
        "class_id",
        "x",
        "y",
        "w",
        "h",
        "occluded",
        "truncated",
        "created_at",
        "time_spent_s",
        "cohort_id",
    ):
        assert column in program.annotations.columns
    assert program.annotations["created_at"].dtype == "datetime64[ns, UTC]"
    assert list(program.cohorts.columns) == ["cohort_id", "name", "kind", "vendor"]
    assert {"annotator_id", "name", "cohort_id", "profile"} <= set(program.annotators.columns)
    assert {"annotator_id", "fault", "onset_at", "onset_index"} <= set(program.faults.columns)
    assert {"item_id", "annotator_id", "decision", "cycle"} <= set(program.reviews.columns)
    assert program.class_names == CLASS_NAMES


def test_demo_runs_over_ten_days_with_every_annotator_busy(demo_program) -> None:
    tasks = demo_program.tasks
    assert tasks["day"].nunique() == 10
    assert (tasks.groupby("annotator_id").size() >= 8).all()
    assert set(demo_program.faults["fault"]) == {
        "loose_box",
        "misses_small",
        "class_confusion",
        "drift",
        "automation_bias",
    }
    assert demo_program.faults["manifested"].all()


def test_demo_truth_comes_from_the_photos(demo_program) -> None:
    truth, items = demo_program.truth, demo_program.items
    assert truth["rle"].map(lambda r: isinstance(r, dict)).all()
    assert items["source_image"].nunique() == 11
    assert truth.groupby("item_id").size().min() >= 1
    merged = truth.merge(items[["item_id", "width", "height"]], on="item_id")
    assert (merged["x"] + merged["w"] <= merged["width"]).all()
    assert (merged["y"] + merged["h"] <= merged["height"]).all()
    sizes = [list(r["size"]) for r in merged["rle"]]
    assert sizes == merged[["height", "width"]].to_numpy().tolist()
    labels = demo_program.annotations.merge(items[["item_id", "width", "height"]], on="item_id")
    assert (labels["x"] + labels["w"] <= labels["width"] + 1e-9).all()
    assert pd.api.types.is_integer_dtype(labels["class_id"])


def test_demo_annotators_see_the_detectors_drafts(demo_program) -> None:
    """Every item has drafts; Gus keeps nearly all he sees, the others fewer than two in three."""
    program = demo_program
    assert program.spec.detector is not None
    assert set(program.drafts["item_id"]) <= set(program.items["item_id"])
    assert program.drafts["item_id"].nunique() == len(program.items)
    seen = program.tasks[["task_id", "annotator_id", "item_id"]].merge(
        program.drafts[["item_id", "draft_id"]], on="item_id"
    )
    kept = program.annotations[program.annotations["draft_id"] >= 0]
    share = (kept.groupby("annotator_id").size() / seen.groupby("annotator_id").size()).reindex(
        program.annotators["annotator_id"], fill_value=0.0
    )
    assert share[7] > 0.85
    assert share.drop(7).between(0.15, 0.65).all()
