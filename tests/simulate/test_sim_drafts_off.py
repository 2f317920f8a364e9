"""Drafts are opt-in: without a detector a program has no drafts, and no draft parameter matters.

(When drafts were added, the frames of a scaled spec and of the photo demo without a detector were
checked against digests taken from the simulator before; those digests were not kept, since any
numpy or pandas release that moves a random stream or a dtype would move them too.)
"""

from __future__ import annotations

from dataclasses import replace

from labelqc.simulate import (
    DEMO_IMAGE_NAMES,
    compose,
    demo_spec,
    rubber_stamp,
    scaled_spec,
    simulate_program,
)
from tests.simulate.programs import assert_same_program


def test_program_without_a_detector_has_no_drafts() -> None:
    program = simulate_program(scaled_spec(1500, n_annotators=12))
    assert program.drafts.empty
    assert "draft_id" not in program.annotations.columns
    assert list(program.drafts.columns) == [
        "draft_id",
        "item_id",
        "class_id",
        "x",
        "y",
        "w",
        "h",
        "score",
        "source_ann_id",
        "iou",
        "created_at",
    ]


def test_draft_parameters_do_nothing_without_a_detector() -> None:
    spec = scaled_spec(600, n_annotators=12)
    # Everyone a rubber-stamper under their old name, so only the draft parameters differ.
    stamped = tuple(
        replace(a, profile=compose(a.profile, rubber_stamp(), name=a.profile.name))
        for a in spec.annotators
    )
    plain = simulate_program(spec)
    trusting = simulate_program(replace(spec, annotators=stamped))
    assert trusting.spec.annotators[0].profile.wrong_draft_trust == 0.9
    assert_same_program(plain, trusting)


def test_a_rubber_stamp_without_drafts_plants_no_fault(demo_images) -> None:
    program = simulate_program(
        demo_spec(detector=None), images=demo_images, image_names=DEMO_IMAGE_NAMES
    )
    assert program.drafts.empty
    assert "automation_bias" not in set(program.faults["fault"])
