"""Paired mask IoU for the agreement code (labelqc.geometry computes full IoU matrices)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pycocotools import mask as mask_utils


def to_compressed_rle(rle: object, field: str) -> dict:
    """A pycocotools-ready RLE (bytes counts) from a COCO RLE dict; ValueError naming field."""
    if not isinstance(rle, Mapping) or "size" not in rle or "counts" not in rle:
        raise ValueError(f"{field} is not a COCO RLE dict with size and counts")
    height, width = (int(v) for v in rle["size"])
    counts = rle["counts"]
    if isinstance(counts, list):
        return mask_utils.frPyObjects({"size": [height, width], "counts": counts}, height, width)
    if isinstance(counts, str):
        counts = counts.encode("ascii")
    return {"size": [height, width], "counts": counts}


def mask_iou_paired(first: Sequence[dict], second: Sequence[dict]) -> np.ndarray:
    """(n,) IoU of paired compressed RLEs of equal size (two empty masks give 0).

    One pycocotools call per pair: callers bound the number of pairs.
    """
    out = np.empty(len(first))
    for index, (a, b) in enumerate(zip(first, second, strict=True)):
        out[index] = mask_utils.iou([a], [b], [0])[0, 0]
    return out
