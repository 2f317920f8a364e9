"""Same spec and seed -> identical frames; a different seed -> different program."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labelqc.simulate import DEMO_IMAGE_NAMES, demo_spec, scaled_spec, simulate_program
from tests.simulate.programs import assert_same_program


def test_synthetic_program_is_deterministic() -> None:
    spec = scaled_spec(1500, n_annotators=12)
    assert_same_program(simulate_program(spec), simulate_program(spec))


def test_real_image_program_is_deterministic(demo_images, demo_program) -> None:
    again = simulate_program(demo_spec(), images=demo_images, image_names=DEMO_IMAGE_NAMES)
    assert_same_program(demo_program, again)


def test_another_seed_gives_another_program() -> None:
    spec = scaled_spec(500, n_annotators=12)
    first = simulate_program(spec)
    second = simulate_program(replace(spec, seed=spec.seed + 1))
    assert not np.array_equal(first.truth["x"].to_numpy()[:50], second.truth["x"].to_numpy()[:50])
    assert not first.tasks[["item_id", "annotator_id"]].equals(
        second.tasks[["item_id", "annotator_id"]]
    )
