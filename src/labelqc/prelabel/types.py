"""Plain value types shared by every pre-labeling backend.

Coordinates are image pixels with the origin at the top-left corner; boxes are ``(x, y, w, h)``
like the canonical annotation frame. Masks leave a backend only as COCO RLE dicts
(``{"size": [h, w], "counts": str}``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd


class PrelabelError(ValueError):
    """Bad input to a pre-labeling backend (the message names the field or record)."""


class PromptError(PrelabelError):
    """A prompt that cannot be used (missing box/points, bad label, box outside the image)."""


@dataclass(frozen=True)
class Prompt:
    """A request for one object's mask.

    box_xywh: optional pixel box ``(x, y, w, h)`` with ``w, h > 0``.
    points_xy: click positions ``((x, y), ...)`` in pixels.
    point_labels: one label per point, 1 = positive (on the object), 0 = negative.
    class_id: carried through to the result untouched (the model is class-agnostic).
    """

    box_xywh: tuple[float, float, float, float] | None = None
    points_xy: tuple[tuple[float, float], ...] = ()
    point_labels: tuple[int, ...] = ()
    class_id: int | None = None

    def __post_init__(self) -> None:
        if self.box_xywh is None and not self.points_xy:
            raise PromptError("prompt: needs box_xywh or points_xy")
        if self.box_xywh is not None:
            if len(self.box_xywh) != 4 or not all(math.isfinite(v) for v in self.box_xywh):
                raise PromptError(
                    f"prompt.box_xywh: expected 4 finite numbers, got {self.box_xywh}"
                )
            if self.box_xywh[2] <= 0 or self.box_xywh[3] <= 0:
                raise PromptError(
                    f"prompt.box_xywh: width and height must be > 0, got {self.box_xywh}"
                )
        if len(self.points_xy) != len(self.point_labels):
            raise PromptError(
                f"prompt.point_labels: {len(self.point_labels)} labels for "
                f"{len(self.points_xy)} points"
            )
        for point in self.points_xy:
            if len(point) != 2 or not all(math.isfinite(v) for v in point):
                raise PromptError(f"prompt.points_xy: expected finite (x, y), got {point}")
        bad_labels = [label for label in self.point_labels if label not in (0, 1)]
        if bad_labels:
            raise PromptError(f"prompt.point_labels: labels must be 0 or 1, got {bad_labels}")

    @property
    def box_xyxy(self) -> tuple[float, float, float, float] | None:
        """The box as ``(x0, y0, x1, y1)``, or None without a box."""
        if self.box_xywh is None:
            return None
        x, y, w, h = self.box_xywh
        return (x, y, x + w, y + h)


@dataclass(frozen=True)
class Uncertainty:
    """How unsure a backend is about one mask; every component lies in [0, 1], 1 = most unsure.

    iou_uncertainty: 1 - the model's predicted IoU of the mask.
    instability: 1 - stability score, the stability score being the IoU of the mask's logits
        thresholded at +offset and at -offset.
    multimask_disagreement: 1 - mean pairwise IoU of the model's multimask outputs.
    object_score_entropy: binary entropy (bits) of sigmoid(object-score logit), video only.
    combined: the documented combination (see ``labelqc.prelabel.uncertainty.combine``),
        None when no component is defined; ``reason`` then says why.
    """

    iou_uncertainty: float | None = None
    instability: float | None = None
    multimask_disagreement: float | None = None
    object_score_entropy: float | None = None
    combined: float | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PrelabelResult:
    """One pre-labeled object mask.

    prompt_index: position of the prompt in the request, None for automatic masks.
    rle: COCO RLE of the mask at the image's full resolution.
    bbox_xywh / area: from the mask (pycocotools ``toBbox`` / ``area``).
    predicted_iou: the model's own quality estimate, None when the backend has none.
    score: confidence in [0, 1] = 1 - uncertainty.combined (None when that is undefined).
    backend / model_id: what produced the mask (e.g. "sam2", "sam2.1_hiera_t@9c1a...").
    """

    prompt_index: int | None
    class_id: int | None
    rle: dict[str, Any]
    bbox_xywh: tuple[float, float, float, float]
    area: float
    predicted_iou: float | None
    score: float | None
    uncertainty: Uncertainty
    backend: str
    model_id: str
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PrelabelBackend(Protocol):
    """Anything that turns an RGB image and prompts into ``PrelabelResult`` values."""

    name: str

    @property
    def model_id(self) -> str:
        """Identifier of the weights/algorithm version that produced the results."""
        ...

    def predict(
        self,
        image: np.ndarray,
        prompts: Sequence[Prompt],
        *,
        image_sha256: str | None = None,
    ) -> list[PrelabelResult]:
        """Masks for ``prompts`` on ``image`` (H x W x 3 uint8 RGB), one result per prompt."""
        ...


def as_rgb_uint8(image: np.ndarray, field_name: str = "image") -> np.ndarray:
    """Return ``image`` as a C-contiguous H x W x 3 uint8 array; grey (H x W) is stacked to RGB.

    Raises PrelabelError for other shapes/dtypes or an empty image.
    """
    if not isinstance(image, np.ndarray):
        raise PrelabelError(f"{field_name}: expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise PrelabelError(f"{field_name}: expected dtype uint8, got {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise PrelabelError(f"{field_name}: expected shape (H, W, 3) or (H, W), got {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise PrelabelError(f"{field_name}: empty image {image.shape}")
    return np.ascontiguousarray(image)


def prompts_from_annotations(annotations: pd.DataFrame, item_id: int) -> list[Prompt]:
    """Box prompts for one item from a canonical annotations frame (x, y, w, h, class_id).

    Rows with a non-positive width or height are rejected with PromptError naming the row.
    """
    missing = {"item_id", "x", "y", "w", "h"} - set(annotations.columns)
    if missing:
        raise PrelabelError(f"annotations: missing columns {sorted(missing)}")
    rows = annotations.loc[annotations["item_id"] == item_id]
    has_class = "class_id" in rows.columns
    prompts: list[Prompt] = []
    for row_index, row in zip(rows.index, rows.itertuples(index=False), strict=True):
        try:
            prompts.append(
                Prompt(
                    box_xywh=(float(row.x), float(row.y), float(row.w), float(row.h)),
                    class_id=int(row.class_id) if has_class else None,
                )
            )
        except PromptError as error:
            raise PromptError(f"annotations row {row_index}: {error}") from error
    return prompts


def results_to_frame(item_id: int, results: Sequence[PrelabelResult]) -> pd.DataFrame:
    """Pre-labels as rows of the canonical annotations frame (plus backend columns).

    Columns: item_id, class_id (-1 when the prompt had none), x, y, w, h, area, rle, score,
    predicted_iou, uncertainty, backend, model_id, prompt_index. Undefined floats are None.
    """

    def objects(values: list[Any]) -> pd.Series:
        # object dtype keeps None as None instead of turning it into NaN
        return pd.Series(values, dtype=object)

    boxes = np.array([result.bbox_xywh for result in results], dtype=float).reshape(-1, 4)
    return pd.DataFrame(
        {
            "item_id": np.full(len(results), int(item_id), dtype=np.int64),
            "class_id": np.array(
                [-1 if r.class_id is None else int(r.class_id) for r in results], dtype=np.int64
            ),
            "x": boxes[:, 0],
            "y": boxes[:, 1],
            "w": boxes[:, 2],
            "h": boxes[:, 3],
            "area": np.array([r.area for r in results], dtype=float),
            "rle": objects([r.rle for r in results]),
            "score": objects([r.score for r in results]),
            "predicted_iou": objects([r.predicted_iou for r in results]),
            "uncertainty": objects([r.uncertainty.combined for r in results]),
            "backend": objects([r.backend for r in results]),
            "model_id": objects([r.model_id for r in results]),
            "prompt_index": objects([r.prompt_index for r in results]),
        }
    )


def check_prompts_in_image(prompts: Sequence[Prompt], height: int, width: int) -> None:
    """Raise PromptError naming the prompt whose box misses the image or whose point is outside."""
    for index, prompt in enumerate(prompts):
        if not isinstance(prompt, Prompt):
            raise PromptError(f"prompts[{index}]: expected Prompt, got {type(prompt).__name__}")
        if prompt.box_xyxy is not None:
            x0, y0, x1, y1 = prompt.box_xyxy
            if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
                raise PromptError(
                    f"prompts[{index}].box_xywh: {prompt.box_xywh} lies outside the "
                    f"{width}x{height} image"
                )
        for x, y in prompt.points_xy:
            if not (0 <= x <= width and 0 <= y <= height):
                raise PromptError(
                    f"prompts[{index}].points_xy: ({x}, {y}) lies outside the {width}x{height} image"
                )
