"""Profiles: presets carry their fault, compose merges them, bad parameters are refused."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from labelqc.simulate import (
    FAULT_KINDS,
    PRESETS,
    AnnotatorProfile,
    AnnotatorSpec,
    CohortSpec,
    ProgramSpec,
    class_confuser,
    clean,
    compose,
    drifter,
    loose_box,
    simulate_program,
    spammer,
    tight_box,
)
from labelqc.simulate.behaviour import drift_degradation
from labelqc.simulate.review import box_iou_pairs


def test_presets_carry_exactly_their_fault() -> None:
    expected = {
        "clean": (),
        "careful": (),
        "loose_box": ("loose_box",),
        "tight_box": ("tight_box",),
        "class_confuser": ("class_confusion",),
        "misses_small": ("misses_small",),
        "drifter": ("drift",),
        "spammer": ("spam",),
        "rubber_stamp": ("automation_bias",),
    }
    assert {name: make().fault_kinds() for name, make in PRESETS.items()} == expected
    assert set().union(*expected.values()) == set(FAULT_KINDS)


def test_compose_keeps_every_changed_parameter() -> None:
    both = compose(loose_box(), class_confuser(rate=0.3), drifter(onset_day=4))
    assert both.name == "loose_box+class_confuser+drifter"
    assert both.box_scale_range == (1.10, 1.20)
    assert both.swap_rate == 0.3
    assert both.drift_onset_day == 4
    assert both.fault_kinds() == ("loose_box", "class_confusion", "drift")
    assert compose(clean()) == clean()
    assert compose(loose_box(), tight_box()).box_scale_range == tight_box().box_scale_range


def test_drift_ramps_in_from_onset() -> None:
    level = drift_degradation(np.arange(8.0), np.full(8, 3.0), np.full(8, 2.0))
    assert level.tolist() == [0, 0, 0, 0.5, 1, 1, 1, 1]
    assert np.all(drift_degradation(np.arange(5.0), np.full(5, np.inf), np.ones(5)) == 0)


def _one_annotator_program(profile: AnnotatorProfile, n_items: int = 600):
    spec = ProgramSpec(
        seed=3,
        n_items=n_items,
        cohorts=(CohortSpec(1, "Crowd pool", "crowd"),),
        annotators=(AnnotatorSpec(1, "Solo", 1, profile),),
        ambiguous_class_id=None,
    )
    return simulate_program(spec)


def _area_ratio(program) -> float:
    labels = program.annotations[program.annotations["source_ann_id"] >= 0]
    truth = program.truth.set_index("ann_id").loc[labels["source_ann_id"]]
    return float(np.median(labels["area"].to_numpy() / truth["area"].to_numpy()))


def test_tight_boxes_are_smaller_than_gold() -> None:
    assert _area_ratio(_one_annotator_program(tight_box())) < 0.8


def test_fault_onset_day_delays_a_static_fault() -> None:
    program = _one_annotator_program(loose_box(onset_day=6))
    labels = program.annotations[program.annotations["source_ann_id"] >= 0]
    truth = program.truth.set_index("ann_id").loc[labels["source_ann_id"]]
    day = program.tasks.set_index("task_id")["day"].loc[labels["task_id"]].to_numpy()
    ratio = labels["area"].to_numpy() / truth["area"].to_numpy()
    assert np.median(ratio[day < 6]) < 1.05 < 1.2 < np.median(ratio[day >= 6])
    assert program.faults.loc[0, "onset_day"] == 6


def test_spammer_labels_are_unrelated_to_the_objects() -> None:
    program = _one_annotator_program(spammer(rate=1.0), n_items=200)
    assert (program.annotations["source_ann_id"] == -1).all()
    assert (program.tasks["task_quality"] < 0.2).mean() > 0.9
    assert program.tasks["time_spent_s"].median() < 60


def test_spurious_boxes_follow_the_false_positive_rate() -> None:
    program = _one_annotator_program(replace(clean(), false_positive_rate=0.5), n_items=2000)
    spurious = (program.annotations["source_ann_id"] == -1).sum()
    assert abs(spurious / len(program.tasks) - 0.5) < 0.05


def test_careful_boxes_overlap_gold_closely() -> None:
    program = _one_annotator_program(PRESETS["careful"]())
    labels = program.annotations[program.annotations["source_ann_id"] >= 0]
    truth = program.truth.set_index("ann_id").loc[labels["source_ann_id"]]
    iou = box_iou_pairs(
        labels[["x", "y", "w", "h"]].to_numpy(), truth[["x", "y", "w", "h"]].to_numpy()
    )
    assert np.mean(iou) > 0.93


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("miss_rate", 1.5),
        ("swap_rate", -0.1),
        ("box_jitter", -1.0),
        ("box_scale_range", (1.2, 1.1)),
        ("swap_pair", (1, 1)),
        ("drift_ramp_days", 0.0),
        ("seconds_per_object", 0.0),
        ("draft_trust", 1.5),
        ("draft_agree_iou", -0.1),
        ("seconds_per_kept_draft", -1.0),
    ],
)
def test_bad_profile_parameters_raise(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        replace(clean(), **{field: value})
