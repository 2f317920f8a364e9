"""Every planted fault of the demo annotators is measurably present in their labels.

Measured on the demo annotators over 3,000 synthetic items (one session fixture), who see the
detector's drafts and keep some of them. Demo ids: 1 Ada careful, 2 Ben loose boxes, 3 Chloe
misses small, 4 Dev round/oval confuser, 5 Eve drifts from day 5, 7 Gus rubber-stamps drafts,
6 and 8 clean.
"""

from __future__ import annotations

import numpy as np

from labelqc.simulate import CONFUSABLE_PAIR, SMALL_AREA

CLEAN = [6, 8]


def test_loose_boxes_are_larger_than_gold(large_demo_labels) -> None:
    labels = large_demo_labels
    ratio = (labels["area"] / labels["true_area"]).groupby(labels["annotator_id"]).median()
    # Sides scaled by U(1.10, 1.20) -> area about 1.21-1.44 before clipping at the border.
    assert 1.2 < ratio[2] < 1.45
    assert all(0.95 < ratio[a] < 1.05 for a in CLEAN)


def test_confuser_swaps_the_pair_about_20_percent(large_demo_labels) -> None:
    labels = large_demo_labels
    low, high = CONFUSABLE_PAIR
    pair = labels[labels["true_class"].isin([low, high])]
    swapped = pair["class_id"] == (low + high - pair["true_class"])
    rate = swapped.groupby(pair["annotator_id"]).mean()
    assert 0.16 < rate[4] < 0.24
    assert all(rate[a] < 0.02 for a in CLEAN)


def test_misser_recall_on_small_objects_is_low(large_demo_recall) -> None:
    recall = large_demo_recall
    small = recall[recall["area"] < SMALL_AREA]
    large = recall[recall["area"] >= SMALL_AREA]
    small_recall = small.groupby("annotator_id")["found"].mean()
    large_recall = large.groupby("annotator_id")["found"].mean()
    assert small_recall[3] < 0.4
    assert large_recall[3] > 0.95
    assert all(small_recall[a] > 0.95 for a in CLEAN)


def test_drifter_is_worse_after_onset(large_demo_labels, large_demo_recall) -> None:
    labels = large_demo_labels
    eve = labels[labels["annotator_id"] == 5]
    before, after = eve[eve["day"] < 5], eve[eve["day"] >= 5]
    assert after["iou"].mean() < before["iou"].mean() - 0.1
    recall = large_demo_recall
    eve_recall = recall[recall["annotator_id"] == 5]
    assert (
        eve_recall.loc[eve_recall["day"] >= 5, "found"].mean()
        < eve_recall.loc[eve_recall["day"] < 5, "found"].mean() - 0.1
    )
    # Before onset Eve is as good as the clean annotators.
    clean_iou = labels.loc[labels["annotator_id"].isin(CLEAN), "iou"].mean()
    assert abs(before["iou"].mean() - clean_iou) < 0.02


def test_careful_annotator_is_tighter_than_clean(large_demo_labels) -> None:
    labels = large_demo_labels
    iou = labels.groupby("annotator_id")["iou"].mean()
    assert iou[1] > max(iou[a] for a in CLEAN) + 0.03


def test_ambiguous_class_has_more_class_noise_and_jitter(
    large_demo_program, large_demo_labels
) -> None:
    labels = large_demo_labels
    labels = labels[labels["annotator_id"].isin(CLEAN)]
    ambiguous = labels["true_class"] == large_demo_program.spec.ambiguous_class_id
    agree = labels["class_id"] == labels["true_class"]
    assert agree[ambiguous].mean() < 0.8 < 0.95 < agree[~ambiguous].mean()
    assert labels.loc[ambiguous, "iou"].mean() < labels.loc[~ambiguous, "iou"].mean() - 0.1


def test_faults_frame_lists_planted_faults_with_onset(large_demo_program) -> None:
    faults = large_demo_program.faults.set_index("annotator_id")
    assert faults.loc[2, "fault"] == "loose_box"
    assert faults.loc[3, "fault"] == "misses_small"
    assert faults.loc[4, "fault"] == "class_confusion"
    assert faults.loc[5, "fault"] == "drift"
    assert faults.loc[7, "fault"] == "automation_bias"
    assert faults.loc[7, "onset_index"] == 0
    assert set(faults.index) == {2, 3, 4, 5, 7}
    tasks = large_demo_program.tasks
    eve = tasks[tasks["annotator_id"] == 5].sort_values("seq_index")
    first_after = eve[eve["day"] >= 5].iloc[0]
    assert faults.loc[5, "onset_index"] == first_after["seq_index"]
    assert faults.loc[5, "onset_at"] == first_after["started_at"]
    assert np.all(eve.loc[eve["seq_index"] < first_after["seq_index"], "day"] < 5)
    assert faults.loc[2, "onset_index"] == 0
