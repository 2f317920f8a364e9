"""Binary masks to COCO RLE, boxes and areas, through pycocotools (the reference encoder)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils


@dataclass(frozen=True)
class EncodedMasks:
    """RLEs, boxes (x, y, w, h) and pixel areas of a stack of masks, in stack order."""

    rles: list[dict[str, Any]]
    boxes_xywh: np.ndarray
    areas: np.ndarray


def encode_masks(masks: np.ndarray) -> EncodedMasks:
    """Encode an (N, H, W) boolean stack in one pycocotools call.

    Empty masks get area 0 and box (0, 0, 0, 0). RLE counts are decoded to str so the
    dicts are JSON-ready.
    """
    if masks.ndim != 3:
        raise ValueError(f"masks: expected (N, H, W), got shape {masks.shape}")
    count = masks.shape[0]
    if count == 0:
        return EncodedMasks([], np.zeros((0, 4), dtype=float), np.zeros(0, dtype=float))
    # pycocotools wants H x W x N, Fortran order, uint8
    stacked = np.asfortranarray(np.moveaxis(masks.astype(np.uint8, copy=False), 0, -1))
    rles = mask_utils.encode(stacked)
    boxes = np.asarray(mask_utils.toBbox(rles), dtype=float).reshape(count, 4)
    areas = np.asarray(mask_utils.area(rles), dtype=float).reshape(count)
    for rle in rles:
        if isinstance(rle["counts"], bytes):
            rle["counts"] = rle["counts"].decode("ascii")
    return EncodedMasks(list(rles), boxes, areas)


def decode_rle(rle: dict[str, Any]) -> np.ndarray:
    """Decode one COCO RLE dict to an (H, W) bool mask."""
    return mask_utils.decode(rle).astype(bool)


def pairwise_mask_iou(masks: np.ndarray) -> np.ndarray:
    """IoU between every pair of masks in a (..., K, P) boolean stack -> (..., K, K).

    Two empty masks count as identical (IoU 1): both say "no object", so they agree.
    """
    as_float = masks.astype(np.float32, copy=False)
    intersection = as_float @ np.swapaxes(as_float, -1, -2)
    areas = as_float.sum(axis=-1)
    union = areas[..., :, None] + areas[..., None, :] - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, intersection / np.where(union > 0, union, 1.0), 1.0)
    return iou
