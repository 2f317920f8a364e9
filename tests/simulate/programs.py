"""Comparing whole simulated programs in tests."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from labelqc.simulate import SimulatedProgram

FRAMES = tuple(
    f.name
    for f in fields(SimulatedProgram)
    if f.name not in ("spec", "class_names")  # every other field is a frame
)


def assert_same_program(first: SimulatedProgram, second: SimulatedProgram) -> None:
    """Every frame of the two programs is equal (dtypes included)."""
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), obj=name)
