"""Shared simulated programs: built once per session because several test files read them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skimage.data

from labelqc.simulate import DEMO_IMAGE_NAMES, SimulatedProgram, demo_spec, simulate_program
from labelqc.simulate.review import box_iou_pairs


@pytest.fixture(scope="session")
def demo_images() -> list[np.ndarray]:
    return [getattr(skimage.data, name)() for name in DEMO_IMAGE_NAMES]


@pytest.fixture(scope="session")
def demo_program(demo_images: list[np.ndarray]) -> SimulatedProgram:
    return simulate_program(demo_spec(), images=demo_images, image_names=DEMO_IMAGE_NAMES)


@pytest.fixture(scope="session")
def large_demo_program() -> SimulatedProgram:
    """The demo annotators on 3,000 synthetic items: enough labels to measure each fault."""
    return simulate_program(demo_spec(n_items=3000))


@pytest.fixture(scope="session")
def large_demo_labels(large_demo_program: SimulatedProgram) -> pd.DataFrame:
    """Labels that came from a true object, with that object's class, area, IoU and task day."""
    program = large_demo_program
    labels = program.annotations[program.annotations["source_ann_id"] >= 0]
    truth = program.truth.set_index("ann_id").loc[labels["source_ann_id"]]
    day = program.tasks.set_index("task_id")["day"].loc[labels["task_id"]]
    return labels.assign(
        true_class=truth["class_id"].to_numpy(),
        true_area=truth["area"].to_numpy(),
        iou=box_iou_pairs(
            labels[["x", "y", "w", "h"]].to_numpy(), truth[["x", "y", "w", "h"]].to_numpy()
        ),
        day=day.to_numpy(),
    )


@pytest.fixture(scope="session")
def large_demo_recall(large_demo_program: SimulatedProgram) -> pd.DataFrame:
    """One row per (task, true object on its item) with found = some label came from it."""
    program = large_demo_program
    pairs = program.tasks[["task_id", "annotator_id", "day", "item_id"]].merge(
        program.truth[["item_id", "ann_id", "area"]], on="item_id"
    )
    labelled = program.annotations[["task_id", "source_ann_id"]].drop_duplicates()
    labelled = labelled.rename(columns={"source_ann_id": "ann_id"})
    found = pairs.merge(labelled, on=["task_id", "ann_id"], how="left", indicator=True)
    return pairs.assign(found=(found["_merge"] == "both").to_numpy())
