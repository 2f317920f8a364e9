"""Classical pre-labeling with OpenCV GrabCut, used when no SAM 2 checkpoint is configured.

Each prompt needs a box. GrabCut runs on a crop around the box (the box grown by
``context_margin`` of its size on each side, at least ``min_context_px``): the ring outside the
box is definite background and seeds the background colour model, the box is "probably
foreground". Positive clicks become definite-foreground discs, negative clicks definite
background. Working on a crop keeps the colour models local (a whole-image background model
often swallows an object that resembles other objects in the picture) and makes the cost depend
on the box, not the image. OpenCV's RNG is seeded per call, so results are deterministic.

GrabCut gives no calibrated confidence, so results carry ``predicted_iou=None`` and an
undefined uncertainty with the reason stated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from labelqc.prelabel.masks import encode_masks
from labelqc.prelabel.types import (
    PrelabelResult,
    Prompt,
    PromptError,
    Uncertainty,
    as_rgb_uint8,
    check_prompts_in_image,
)

NO_CONFIDENCE = "grabcut gives no calibrated confidence"
BOX_TOO_SMALL = "box too small for grabcut; the box itself is the mask"


class GrabCutBackend:
    """Box-prompted GrabCut (``name == "grabcut"``), following ``PrelabelBackend``.

    iterations: GrabCut iterations per object. context_margin: share of the box size added on
    each side as background context. seed_radius: radius in pixels of a click's seed disc.
    min_box_pixels: smaller boxes (GrabCut's colour models cannot be fitted) become box masks.
    """

    name = "grabcut"

    def __init__(
        self,
        iterations: int = 5,
        context_margin: float = 0.25,
        min_context_px: int = 8,
        seed_radius: int = 3,
        min_box_pixels: int = 64,
        rng_seed: int = 0,
    ) -> None:
        if iterations < 1:
            raise ValueError(f"iterations: must be >= 1, got {iterations}")
        if context_margin < 0 or min_context_px < 1:
            raise ValueError("context_margin must be >= 0 and min_context_px >= 1")
        self.iterations = iterations
        self.context_margin = context_margin
        self.min_context_px = min_context_px
        self.seed_radius = seed_radius
        self.min_box_pixels = min_box_pixels
        self.rng_seed = rng_seed

    @property
    def model_id(self) -> str:
        """Algorithm and settings, e.g. ``opencv-grabcut@4.14.0|iter=5,margin=0.25``."""
        return (
            f"opencv-grabcut@{cv2.__version__}|iter={self.iterations},margin={self.context_margin}"
        )

    def predict(
        self,
        image: np.ndarray,
        prompts: Sequence[Prompt],
        *,
        image_sha256: str | None = None,
    ) -> list[PrelabelResult]:
        """One GrabCut mask per prompt; every prompt must have a box (PromptError otherwise).

        image: H x W x 3 uint8 RGB or H x W grey. image_sha256 is accepted for the protocol
        and unused (GrabCut keeps no per-image state).
        """
        rgb = as_rgb_uint8(image)
        height, width = rgb.shape[:2]
        if not prompts:
            raise PromptError("prompts: grabcut needs at least one box prompt (no automatic mode)")
        check_prompts_in_image(prompts, height, width)
        masks = np.zeros((len(prompts), height, width), dtype=bool)
        reasons: list[str] = []
        for index, prompt in enumerate(prompts):
            if prompt.box_xyxy is None:
                raise PromptError(f"prompts[{index}].box_xywh: grabcut needs a box prompt")
            masks[index], reason = self._segment(rgb, prompt)
            reasons.append(reason)
        encoded = encode_masks(masks)
        return [
            PrelabelResult(
                prompt_index=index,
                class_id=prompt.class_id,
                rle=encoded.rles[index],
                bbox_xywh=tuple(float(v) for v in encoded.boxes_xywh[index]),  # type: ignore[arg-type]
                area=float(encoded.areas[index]),
                predicted_iou=None,
                score=None,
                uncertainty=Uncertainty(reason=reasons[index]),
                backend=self.name,
                model_id=self.model_id,
            )
            for index, prompt in enumerate(prompts)
        ]

    def _segment(self, rgb: np.ndarray, prompt: Prompt) -> tuple[np.ndarray, str]:
        """Full-image boolean mask for one prompt and the uncertainty reason."""
        height, width = rgb.shape[:2]
        x0, y0, x1, y1 = prompt.box_xyxy  # type: ignore[misc]
        box_x0, box_y0 = max(math.floor(x0), 0), max(math.floor(y0), 0)
        box_x1, box_y1 = min(math.ceil(x1), width), min(math.ceil(y1), height)
        mask = np.zeros((height, width), dtype=bool)
        if (box_x1 - box_x0) * (box_y1 - box_y0) < self.min_box_pixels:
            mask[box_y0:box_y1, box_x0:box_x1] = True
            return mask, BOX_TOO_SMALL
        margin_x = max(math.ceil(self.context_margin * (box_x1 - box_x0)), self.min_context_px)
        margin_y = max(math.ceil(self.context_margin * (box_y1 - box_y0)), self.min_context_px)
        crop_x0, crop_y0 = max(box_x0 - margin_x, 0), max(box_y0 - margin_y, 0)
        crop_x1, crop_y1 = min(box_x1 + margin_x, width), min(box_y1 + margin_y, height)
        crop = np.ascontiguousarray(rgb[crop_y0:crop_y1, crop_x0:crop_x1])
        labels = np.full(crop.shape[:2], cv2.GC_BGD, dtype=np.uint8)
        labels[box_y0 - crop_y0 : box_y1 - crop_y0, box_x0 - crop_x0 : box_x1 - crop_x0] = (
            cv2.GC_PR_FGD
        )
        if not (labels == cv2.GC_BGD).any():
            # the box covers the whole image: let the border pixels model the background
            labels[[0, -1], :] = cv2.GC_PR_BGD
            labels[:, [0, -1]] = cv2.GC_PR_BGD
        for (x, y), label in zip(prompt.points_xy, prompt.point_labels, strict=True):
            seed = cv2.GC_FGD if label == 1 else cv2.GC_BGD
            center = (round(x) - crop_x0, round(y) - crop_y0)
            cv2.circle(labels, center, self.seed_radius, int(seed), thickness=-1)
        cv2.setRNGSeed(self.rng_seed)
        background_model = np.zeros((1, 65), dtype=np.float64)
        foreground_model = np.zeros((1, 65), dtype=np.float64)
        try:
            cv2.grabCut(
                crop, labels, None, background_model, foreground_model,
                self.iterations, cv2.GC_INIT_WITH_MASK,
            )  # fmt: skip
        except cv2.error as error:
            # degenerate colour statistics (e.g. a flat crop): the box is the honest answer
            mask[box_y0:box_y1, box_x0:box_x1] = True
            return mask, f"grabcut failed ({error.err}); the box itself is the mask"
        foreground = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
        mask[crop_y0:crop_y1, crop_x0:crop_x1] = foreground
        return mask, NO_CONFIDENCE
