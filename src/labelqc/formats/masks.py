"""Mask encodings: COCO RLE (through pycocotools only) and CVAT's own mask RLE.

COCO RLE: column-major run lengths over the whole image, starting with a background run;
pycocotools does every encode/decode here. CVAT's ``<mask rle="..." left top width height>``
is a different code: plain run lengths, row-major over the mask's bounding box only, starting
with a background run (CVAT's ``mask2Rle``/``rle2Mask`` in cvat-core); runs after the last
listed one are background.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pycocotools.mask as coco_mask

# pycocotools' compressed counts use the characters '0' (48) .. 'o' (111).
_COMPRESSED_COUNTS = re.compile(r"[0-o]*")
# Decoding a mask allocates the whole image; a file claiming a larger image is refused
# rather than allowed to exhaust memory (2**28 px is e.g. 16384 x 16384).
MAX_MASK_PIXELS = 1 << 28


def check_mask_pixels(width: int, height: int) -> None:
    """Raise ValueError when a width x height mask is larger than MAX_MASK_PIXELS."""
    if width * height > MAX_MASK_PIXELS:
        raise ValueError(f"{width}x{height} mask exceeds {MAX_MASK_PIXELS} pixels")


def normalize_coco_rle(segmentation: Mapping[str, Any], height: int, width: int) -> dict[str, Any]:
    """A COCO RLE (compressed or uncompressed) as ``{"size": [h, w], "counts": str}``.

    Uncompressed counts (a list of ints) are converted with ``pycocotools.mask.frPyObjects``.
    Raises ValueError naming the defect when the size does not match ``height``/``width``,
    counts are malformed, or (uncompressed) they do not cover the image exactly.
    """
    size = segmentation.get("size")
    counts = segmentation.get("counts")
    if (
        not isinstance(size, list | tuple)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)
    ):
        raise ValueError(f"size must be [height, width] integers, got {size!r}")
    if list(size) != [height, width]:
        raise ValueError(f"size {list(size)} does not match the image [{height}, {width}]")
    if isinstance(counts, list):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts):
            raise ValueError("uncompressed counts must be non-negative integers")
        if sum(counts) != height * width:
            raise ValueError(f"counts sum to {sum(counts)}, not height*width={height * width}")
        encoded = coco_mask.frPyObjects({"size": [height, width], "counts": counts}, height, width)
        return {"size": [height, width], "counts": encoded["counts"].decode("ascii")}
    if isinstance(counts, bytes):
        counts = counts.decode("ascii", errors="replace")
    if not isinstance(counts, str) or not _COMPRESSED_COUNTS.fullmatch(counts):
        raise ValueError("counts must be a list of ints or a pycocotools compressed string")
    return {"size": [height, width], "counts": counts}


def encode_coco_mask(mask: np.ndarray) -> dict[str, Any]:
    """A binary (height, width) mask as a compressed COCO RLE dict with str counts."""
    encoded = coco_mask.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in encoded["size"]], "counts": encoded["counts"].decode("ascii")}


def decode_coco_mask(rle: Mapping[str, Any]) -> np.ndarray:
    """A COCO RLE dict as a (height, width) uint8 0/1 mask."""
    return coco_mask.decode(dict(rle))


def coco_rle_bbox(rle: Mapping[str, Any]) -> tuple[float, float, float, float]:
    """Tight pixel ``(x, y, w, h)`` of a COCO RLE (zeros for an empty mask)."""
    x, y, w, h = coco_mask.toBbox(dict(rle)).tolist()
    return (float(x), float(y), float(w), float(h))


def coco_rle_area(rle: Mapping[str, Any]) -> float:
    """Foreground pixel count of a COCO RLE."""
    return float(coco_mask.area(dict(rle)))


def polygon_to_coco_rle(
    rings: Sequence[Sequence[float]], height: int, width: int
) -> dict[str, Any]:
    """Rasterise polygon rings (union) to one compressed COCO RLE, as pycocotools does."""
    parts = coco_mask.frPyObjects([list(ring) for ring in rings], height, width)
    merged = coco_mask.merge(parts)
    return {"size": [height, width], "counts": merged["counts"].decode("ascii")}


def decode_cvat_rle(counts: Sequence[int], width: int, height: int) -> np.ndarray:
    """CVAT mask run lengths as a (height, width) bool array over the mask's bounding box.

    Runs alternate background/foreground starting with background; pixels after the last run
    are background. Raises ValueError when runs are negative or exceed ``width * height``.
    """
    runs = np.asarray(counts, dtype=np.int64)
    if runs.size and runs.min() < 0:
        raise ValueError("run lengths must be non-negative")
    total = width * height
    covered = int(runs.sum())
    if covered > total:
        raise ValueError(f"runs cover {covered} pixels, more than width*height={total}")
    values = (np.arange(runs.size) % 2).astype(bool)
    flat = np.zeros(total, dtype=bool)
    flat[:covered] = np.repeat(values, runs)
    return flat.reshape(height, width)


def encode_cvat_rle(mask: np.ndarray) -> list[int]:
    """A (height, width) binary array as CVAT run lengths (row-major, background first)."""
    flat = np.asarray(mask, dtype=bool).ravel()
    if flat.size == 0:
        return []
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], changes, [flat.size]))
    runs = np.diff(bounds)
    if flat[0]:
        runs = np.concatenate(([0], runs))
    return [int(v) for v in runs]


def coco_rle_to_cvat(rle: Mapping[str, Any]) -> tuple[list[int], int, int, int, int] | None:
    """A full-image COCO RLE as CVAT ``(runs, left, top, width, height)``; None if empty."""
    mask = decode_coco_mask(rle).astype(bool)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1])
    left, right = int(cols[0]), int(cols[-1])
    crop = mask[top : bottom + 1, left : right + 1]
    return encode_cvat_rle(crop), left, top, right - left + 1, bottom - top + 1


def cvat_to_coco_rle(
    runs: Sequence[int],
    left: int,
    top: int,
    width: int,
    height: int,
    image_width: int,
    image_height: int,
) -> dict[str, Any]:
    """CVAT mask runs placed at (left, top) as a full-image compressed COCO RLE.

    Raises ValueError when the mask's box does not fit inside the image.
    """
    if left < 0 or top < 0 or left + width > image_width or top + height > image_height:
        raise ValueError(
            f"mask box left={left} top={top} width={width} height={height} "
            f"does not fit the {image_width}x{image_height} image"
        )
    check_mask_pixels(image_width, image_height)
    crop = decode_cvat_rle(runs, width, height)
    canvas = np.zeros((image_height, image_width), dtype=np.uint8)
    canvas[top : top + height, left : left + width] = crop
    return encode_coco_mask(canvas)
