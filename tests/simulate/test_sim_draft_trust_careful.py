"""A careful annotator keeps the drafts that agree with what they would draw and replaces the
visibly wrong ones (off box, wrong class, on background) with their own labels, at the rates their
profile plants."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from labelqc.geometry.boxes import box_iou_pairs
from labelqc.simulate import DetectorSpec, careful

# A detector with many visibly wrong drafts, so every kind is well represented.
SHAKY = DetectorSpec(edge_jitter=0.12, confusion=0.15, false_positives_per_item=1.0)
SHARP = replace(SHAKY, edge_jitter=0.04)
# A steady hand: their own box is the true box, so a draft "agrees" exactly when it has the
# true class and IoU >= draft_agree_iou with the true box (the drafts frame's iou).
STEADY = {"box_jitter": 0.0, "miss_rate": 0.0, "class_noise": 0.0, "false_positive_rate": 0.0}


def assert_rate(kept: pd.Series, planted: float, at_least: int = 300) -> None:
    """The observed share is within 4 binomial standard errors (+ 0.005) of the planted rate."""
    assert len(kept) >= at_least, f"only {len(kept)} drafts of this kind"
    bound = 4 * np.sqrt(planted * (1 - planted) / len(kept)) + 0.005
    assert abs(kept.mean() - planted) <= bound, (kept.mean(), planted, bound)


def test_careful_annotator_keeps_agreeing_drafts_and_replaces_wrong_ones(solo_with_drafts) -> None:
    profile = replace(careful(), **STEADY)
    program, seen = solo_with_drafts(profile, SHAKY)
    on_object = seen[seen["kind"] == "object"]
    agreeing = on_object["iou"] >= profile.draft_agree_iou
    assert_rate(on_object.loc[agreeing, "kept"], profile.draft_trust)
    assert_rate(on_object.loc[~agreeing, "kept"], profile.wrong_draft_trust)
    assert_rate(seen.loc[seen["kind"] == "wrong_class", "kept"], profile.wrong_draft_trust)
    assert_rate(seen.loc[seen["kind"] == "background", "kept"], profile.spurious_draft_trust)

    # A kept draft is the label as it is, box and class; a replaced one is their own (true) box.
    labels = program.annotations
    kept = labels[labels["draft_id"] >= 0].merge(
        program.drafts, on="draft_id", suffixes=("", "_draft")
    )
    for column in ("item_id", "class_id", "x", "y", "w", "h"):
        assert (kept[column] == kept[f"{column}_draft"]).all()
    replaced = seen[(seen["kind"] != "background") & ~seen["kept"]]
    own = replaced.merge(
        labels[labels["draft_id"] < 0],
        on=["task_id", "source_ann_id"],
        suffixes=("_draft", ""),
    )
    assert len(own) == len(replaced)  # every object whose draft was refused is labelled anew
    truth = program.truth.set_index("ann_id").loc[own["source_ann_id"]]
    iou = box_iou_pairs(own[["x", "y", "w", "h"]].to_numpy(), truth[["x", "y", "w", "h"]])
    assert iou.min() > 0.999
    assert (own["class_id"].to_numpy() == truth["class_id"].to_numpy()).all()


def test_careful_annotator_with_an_ordinary_hand_still_sorts_drafts(solo_with_drafts) -> None:
    """With their usual jitter the comparison is noisier, yet good drafts are mostly kept and
    visibly wrong ones almost never."""
    _, sharp = solo_with_drafts(careful(), SHARP)
    _, shaky = solo_with_drafts(careful(), SHAKY)
    good = sharp.loc[(sharp["kind"] == "object") & (sharp["iou"] >= 0.9), "kept"]
    poor = shaky.loc[(shaky["kind"] == "object") & (shaky["iou"] < 0.7), "kept"]
    assert len(good) > 1000 and len(poor) > 1000
    assert good.mean() > 0.8
    assert poor.mean() < 0.05
    for seen in (sharp, shaky):
        assert seen.loc[seen["kind"] == "wrong_class", "kept"].mean() < 0.06
        assert seen.loc[seen["kind"] == "background", "kept"].mean() < 0.03
