"""A program with drafts is deterministic, its drafts follow both seeds, and turning drafts on
changes nothing but what the annotators kept of them (their own labels are drawn the same)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from labelqc.simulate import DetectorSpec, scaled_spec, simulate_program
from tests.simulate.programs import assert_same_program

SPEC = replace(scaled_spec(1200, n_annotators=12), detector=DetectorSpec())
LABEL_KEY = ["task_id", "source_ann_id", "class_id", "x", "y", "w", "h"]


def test_same_spec_same_program_with_drafts() -> None:
    first, second = simulate_program(SPEC), simulate_program(SPEC)
    assert_same_program(first, second)
    assert len(first.drafts) > 0 and (first.annotations["draft_id"] >= 0).any()


def test_drafts_follow_the_program_seed_and_the_detector_seed() -> None:
    base = simulate_program(SPEC)
    other_detector = simulate_program(replace(SPEC, detector=DetectorSpec(seed=12)))
    pd.testing.assert_frame_equal(base.truth, other_detector.truth)
    pd.testing.assert_frame_equal(
        base.tasks[["task_id", "item_id"]], other_detector.tasks[["task_id", "item_id"]]
    )
    assert not np.array_equal(base.drafts["x"].to_numpy()[:50], other_detector.drafts["x"][:50])
    other_program = simulate_program(replace(SPEC, seed=SPEC.seed + 1))
    assert not base.drafts[["x", "y"]].head(50).equals(other_program.drafts[["x", "y"]].head(50))


def test_drafts_change_only_what_was_kept() -> None:
    with_drafts = simulate_program(SPEC)
    without = simulate_program(replace(SPEC, detector=None))
    pd.testing.assert_frame_equal(with_drafts.truth, without.truth)
    pd.testing.assert_frame_equal(with_drafts.items, without.items)
    for column in ("task_id", "item_id", "annotator_id", "seq_index", "day", "is_gold"):
        assert with_drafts.tasks[column].equals(without.tasks[column])
    # Every label the annotators drew themselves is one they drew without drafts too.
    own = with_drafts.annotations.loc[with_drafts.annotations["draft_id"] < 0, LABEL_KEY]
    before = pd.MultiIndex.from_frame(without.annotations[LABEL_KEY])
    assert pd.MultiIndex.from_frame(own).isin(before).all()


def test_drafts_are_imported_before_anyone_opens_the_item() -> None:
    program = simulate_program(SPEC)
    first_look = program.tasks.groupby("item_id")["started_at"].min()
    created = program.drafts.set_index("item_id")["created_at"]
    opened = first_look.reindex(created.index)
    seen = opened.notna()
    assert (created[seen] == opened[seen] - pd.Timedelta(hours=1)).all()
    assert program.drafts["created_at"].notna().all()
    assert program.drafts["draft_id"].tolist() == list(range(1, len(program.drafts) + 1))
