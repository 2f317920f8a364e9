"""Shared simulated programs: built once per session because several test files read them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skimage.data

from labelqc.simulate import (
    DEMO_IMAGE_NAMES,
    AnnotatorProfile,
    AnnotatorSpec,
    CohortSpec,
    DetectorSpec,
    ProgramSpec,
    SimulatedProgram,
    demo_spec,
    simulate_program,
)
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


@pytest.fixture(scope="session")
def solo_with_drafts():
    """A one-annotator synthetic program whose items carry `detector`'s drafts, and its drafts
    as seen per task: one row per (task, draft) with the draft's kind and whether it was kept."""

    def build(
        profile: AnnotatorProfile, detector: DetectorSpec, n_items: int = 800
    ) -> tuple[SimulatedProgram, pd.DataFrame]:
        spec = ProgramSpec(
            seed=5,
            n_items=n_items,
            cohorts=(CohortSpec(1, "Crowd pool", "crowd"),),
            annotators=(AnnotatorSpec(1, "Solo", 1, profile),),
            ambiguous_class_id=None,
            detector=detector,
        )
        program = simulate_program(spec)
        drafts = program.drafts
        truth_class = program.truth.set_index("ann_id")["class_id"]
        on_object = drafts["source_ann_id"] >= 0
        true_class = truth_class.reindex(drafts["source_ann_id"]).to_numpy()
        kind = np.select(
            [~on_object, drafts["class_id"].to_numpy() != true_class],
            ["background", "wrong_class"],
            "object",
        )
        seen = program.tasks[["task_id", "item_id"]].merge(drafts.assign(kind=kind), on="item_id")
        kept = program.annotations.loc[program.annotations["draft_id"] >= 0]
        kept_pairs = pd.MultiIndex.from_frame(kept[["task_id", "draft_id"]])
        seen["kept"] = pd.MultiIndex.from_frame(seen[["task_id", "draft_id"]]).isin(kept_pairs)
        return program, seen

    return build
