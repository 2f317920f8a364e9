"""A rubber-stamper keeps wrong-class drafts and drafts on background at the planted rate, misses
what the detector missed more often, works faster, and carries the automation_bias fault."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from labelqc.simulate import DetectorSpec, careful, compose, loose_box, rubber_stamp

SHAKY = DetectorSpec(edge_jitter=0.12, confusion=0.15, false_positives_per_item=1.0)
# No misses, class slips or spurious boxes of their own, so a wrong-class draft always disagrees
# with them, an object without a draft is missed only for trusting the detector's silence and
# every box on background is a kept draft.
OWN = {"miss_rate": 0.0, "class_noise": 0.0, "false_positive_rate": 0.0}


def assert_rate(kept: pd.Series, planted: float, at_least: int = 300) -> None:
    """The observed share is within 4 binomial standard errors (+ 0.005) of the planted rate."""
    assert len(kept) >= at_least, f"only {len(kept)} of this kind"
    bound = 4 * np.sqrt(planted * (1 - planted) / len(kept)) + 0.005
    assert abs(kept.mean() - planted) <= bound, (kept.mean(), planted, bound)


def test_rubber_stamper_keeps_wrong_class_and_spurious_drafts(solo_with_drafts) -> None:
    profile = replace(rubber_stamp(rate=0.85, undrafted_miss_rate=0.4), **OWN)
    program, seen = solo_with_drafts(profile, SHAKY)
    assert_rate(seen.loc[seen["kind"] == "wrong_class", "kept"], 0.85)
    assert_rate(seen.loc[seen["kind"] == "background", "kept"], 0.85)
    assert seen.loc[seen["kind"] == "object", "kept"].mean() > 0.85

    # The kept wrong classes and background boxes are in the submitted data as they were drafted.
    labels = program.annotations
    stamped = labels[labels["draft_id"] >= 0].merge(
        program.drafts, on="draft_id", suffixes=("", "_draft")
    )
    assert (stamped["class_id"] == stamped["class_id_draft"]).all()
    assert (stamped["source_ann_id"] == stamped["source_ann_id_draft"]).all()
    spurious = labels["source_ann_id"] < 0
    assert spurious.sum() == seen.loc[seen["kind"] == "background", "kept"].sum()

    # Objects the detector missed: found with 1 - undrafted_miss_rate (they never miss otherwise).
    drafted = set(program.drafts["source_ann_id"])
    pairs = program.tasks[["task_id", "item_id"]].merge(program.truth[["item_id", "ann_id"]])
    undrafted = pairs[~pairs["ann_id"].isin(drafted)]
    found = pd.MultiIndex.from_frame(undrafted[["task_id", "ann_id"]]).isin(
        pd.MultiIndex.from_frame(labels[["task_id", "source_ann_id"]])
    )
    assert_rate(pd.Series(found), 1 - 0.4)

    fault = program.faults.set_index("annotator_id").loc[1]
    assert (fault["fault"], fault["onset_index"], fault["detail"]) == (
        "automation_bias",
        0,
        "rubber_stamp",
    )


def test_rubber_stamper_is_faster_than_a_careful_annotator(solo_with_drafts) -> None:
    stamper, _ = solo_with_drafts(rubber_stamp(), SHAKY, n_items=300)
    checker, _ = solo_with_drafts(careful(), SHAKY, n_items=300)
    assert stamper.tasks["time_spent_s"].median() < 0.5 * checker.tasks["time_spent_s"].median()


def test_rubber_stamp_composes_with_a_labelling_fault() -> None:
    both = compose(loose_box(), rubber_stamp(rate=0.7))
    assert both.name == "loose_box+rubber_stamp"
    assert both.box_scale_range == (1.10, 1.20) and both.wrong_draft_trust == 0.7
    assert both.fault_kinds() == ("loose_box", "automation_bias")
    assert both.onset_day("automation_bias") == 0
    # The last profile that changes a parameter wins: careful after it restores doubt.
    assert compose(rubber_stamp(), careful()).wrong_draft_trust == careful().wrong_draft_trust
