"""Program specs refuse inconsistent input with a message naming the field."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from labelqc.simulate import (
    AnnotatorSpec,
    CohortSpec,
    ProgramSpec,
    demo_spec,
    drifter,
    simulate_program,
)


def test_overlap_beyond_the_annotators_raises() -> None:
    with pytest.raises(ValueError, match="overlap"):
        replace(demo_spec(), overlap=(2, 9))


def test_unknown_cohort_raises() -> None:
    spec = demo_spec()
    stray = AnnotatorSpec(99, "Stray", 42)
    with pytest.raises(ValueError, match="cohort_id"):
        replace(spec, annotators=(*spec.annotators, stray))


def test_duplicate_annotator_ids_raise() -> None:
    spec = demo_spec()
    with pytest.raises(ValueError, match="annotator_id"):
        replace(spec, annotators=(*spec.annotators, spec.annotators[0]))


def test_bad_cohort_kind_and_dates_raise() -> None:
    with pytest.raises(ValueError, match="kind"):
        CohortSpec(1, "x", "freelance")
    with pytest.raises(ValueError):
        replace(demo_spec(), start_date="2024-13-40")
    with pytest.raises(ValueError, match="gold_pool_size"):
        replace(demo_spec(), gold_pool_size=40)
    with pytest.raises(ValueError, match="ambiguous_class_id"):
        replace(demo_spec(), ambiguous_class_id=9)


def test_image_names_must_match_images(demo_images) -> None:
    with pytest.raises(ValueError, match="image_names"):
        simulate_program(demo_spec(), images=demo_images, image_names=["one"])
    with pytest.raises(ValueError, match="images"):
        simulate_program(demo_spec(), images=[])


def test_smallest_program_runs() -> None:
    spec = ProgramSpec(
        seed=1,
        n_items=2,
        cohorts=(CohortSpec(1, "Crowd pool", "crowd"),),
        annotators=(AnnotatorSpec(1, "A", 1), AnnotatorSpec(2, "B", 1)),
    )
    program = simulate_program(spec)
    assert len(program.items) == 2 and program.items["is_gold"].sum() == 1
    assert program.faults.empty
    assert program.faults["annotator_id"].dtype == "int64"
    assert program.tasks.groupby("annotator_id")["is_gold"].first().all()


def test_fault_after_the_last_day_is_not_manifested() -> None:
    spec = ProgramSpec(
        seed=1,
        n_items=30,
        cohorts=(CohortSpec(1, "Crowd pool", "crowd"),),
        annotators=(AnnotatorSpec(1, "A", 1, drifter(onset_day=50)),),
    )
    fault = simulate_program(spec).faults.iloc[0]
    assert fault["fault"] == "drift" and not fault["manifested"]
    assert pd.isna(fault["onset_index"]) and pd.isna(fault["onset_at"])
