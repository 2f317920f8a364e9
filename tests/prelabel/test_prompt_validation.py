"""Prompts are validated at construction and against the image; frames convert both ways."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.prelabel import (
    PrelabelResult,
    Prompt,
    PromptError,
    Uncertainty,
    prompts_from_annotations,
    results_to_frame,
)
from labelqc.prelabel.types import PrelabelError, as_rgb_uint8, check_prompts_in_image


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "needs box_xywh or points_xy"),
        ({"box_xywh": (0, 0, 0, 5)}, "box_xywh"),
        ({"box_xywh": (0, 0, float("nan"), 5)}, "box_xywh"),
        ({"points_xy": ((1, 1),), "point_labels": ()}, "point_labels"),
        ({"points_xy": ((1, 1),), "point_labels": (2,)}, "point_labels"),
    ],
)
def test_bad_prompts_raise_naming_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(PromptError, match=field):
        Prompt(**kwargs)


def test_box_xyxy_converts_from_xywh() -> None:
    assert Prompt(box_xywh=(10, 20, 30, 40)).box_xyxy == (10, 20, 40, 60)


def test_prompts_outside_the_image_are_named_by_index() -> None:
    inside = Prompt(box_xywh=(0, 0, 10, 10))
    with pytest.raises(PromptError, match=r"prompts\[1\].box_xywh"):
        check_prompts_in_image([inside, Prompt(box_xywh=(200, 0, 5, 5))], 100, 100)
    with pytest.raises(PromptError, match=r"prompts\[0\].points_xy"):
        check_prompts_in_image([Prompt(points_xy=((5, 101),), point_labels=(1,))], 100, 100)


def test_images_must_be_uint8_rgb_or_grey() -> None:
    grey = np.zeros((4, 5), dtype=np.uint8)
    assert as_rgb_uint8(grey).shape == (4, 5, 3)
    with pytest.raises(PrelabelError, match="dtype"):
        as_rgb_uint8(np.zeros((4, 5, 3), dtype=np.float32))
    with pytest.raises(PrelabelError, match="shape"):
        as_rgb_uint8(np.zeros((4, 5, 4), dtype=np.uint8))


def test_prompts_from_annotations_reads_boxes_and_classes() -> None:
    annotations = pd.DataFrame(
        {"item_id": [1, 1, 2], "annotator_id": [3, 3, 3], "class_id": [7, 8, 9],
         "x": [1.0, 5.0, 0.0], "y": [2.0, 6.0, 0.0], "w": [3.0, 7.0, 1.0], "h": [4.0, 8.0, 1.0]}
    )  # fmt: skip
    prompts = prompts_from_annotations(annotations, item_id=1)
    assert [p.box_xywh for p in prompts] == [(1, 2, 3, 4), (5, 6, 7, 8)]
    assert [p.class_id for p in prompts] == [7, 8]
    broken = annotations.assign(w=[3.0, 0.0, 1.0])
    with pytest.raises(PromptError, match="annotations row 1"):
        prompts_from_annotations(broken, item_id=1)


def test_results_to_frame_keeps_none_as_none() -> None:
    rle = {"size": [2, 2], "counts": "04"}
    result = PrelabelResult(
        prompt_index=0, class_id=None, rle=rle, bbox_xywh=(0.0, 0.0, 2.0, 2.0), area=4.0,
        predicted_iou=None, score=None, uncertainty=Uncertainty(reason="none"),
        backend="grabcut", model_id="opencv-grabcut@x",
    )  # fmt: skip
    frame = results_to_frame(5, [result])
    assert frame.loc[0, "item_id"] == 5 and frame.loc[0, "class_id"] == -1
    assert frame.loc[0, "score"] is None and frame.loc[0, "predicted_iou"] is None
    assert frame.loc[0, "rle"] == rle and frame.loc[0, "backend"] == "grabcut"
    assert list(frame[["x", "y", "w", "h"]].iloc[0]) == [0.0, 0.0, 2.0, 2.0]
    assert results_to_frame(5, []).empty
