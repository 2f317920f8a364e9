"""COCO run-length-encoded (RLE) masks, polygons and mask IoU, on top of ``pycocotools.mask``.

labelqc never implements its own RLE codec: every encode/decode/area/bbox/IoU goes through
pycocotools.  The canonical RLE handed back is the JSON-friendly compressed form
``{"size": [height, width], "counts": str}``; inputs may also be compressed with ``bytes`` counts
or uncompressed (``counts`` a list of run lengths, column-major as in COCO).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pycocotools import mask as coco_mask

RleDict = dict[str, Any]


def normalize_rle(rle: Mapping[str, Any], name: str = "rle") -> RleDict:
    """Return ``rle`` as a compressed RLE ``{"size": [h, w], "counts": str}``.

    Accepts compressed counts (``str`` or ``bytes``) and uncompressed counts (a list of ints, which
    pycocotools ``frPyObjects`` compresses).  Raises ValueError naming ``name`` on a malformed value.
    """
    if not isinstance(rle, Mapping) or "size" not in rle or "counts" not in rle:
        raise ValueError(f"{name}: expected a dict with 'size' and 'counts'")
    size = rle["size"]
    if (
        not isinstance(size, Sequence)
        or len(size) != 2
        or not all(isinstance(v, int | np.integer) and v >= 0 for v in size)
    ):
        raise ValueError(f"{name}.size: expected [height, width] non-negative ints, got {size!r}")
    height, width = int(size[0]), int(size[1])
    counts = rle["counts"]
    if isinstance(counts, bytes):
        return {"size": [height, width], "counts": counts.decode("ascii")}
    if isinstance(counts, str):
        return {"size": [height, width], "counts": counts}
    if isinstance(counts, Sequence | np.ndarray):
        runs = np.asarray(counts)
        if runs.ndim != 1 or (runs.size and (runs.dtype.kind not in "iu" or (runs < 0).any())):
            raise ValueError(f"{name}.counts: expected non-negative integer run lengths")
        if int(runs.sum()) != height * width:
            raise ValueError(
                f"{name}.counts: run lengths sum to {int(runs.sum())}, expected {height * width}"
            )
        compressed = coco_mask.frPyObjects(
            {"size": [height, width], "counts": [int(v) for v in runs]}, height, width
        )
        return {"size": [height, width], "counts": compressed["counts"].decode("ascii")}
    raise ValueError(f"{name}.counts: expected str, bytes or a list of ints")


def _to_coco(rle: RleDict) -> dict[str, Any]:
    return {"size": rle["size"], "counts": rle["counts"].encode("ascii")}


def _coco_list(rles: Sequence[Mapping[str, Any]] | Mapping[str, Any], name: str) -> list[dict]:
    if isinstance(rles, Mapping):
        rles = [rles]
    return [_to_coco(normalize_rle(rle, f"{name}[{i}]")) for i, rle in enumerate(rles)]


def encode_mask(mask: ArrayLike) -> RleDict:
    """Encode a 2-D boolean/0-1 mask (height, width) as a compressed RLE dict."""
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"mask: expected a 2-D (height, width) array, got shape {array.shape}")
    encoded = coco_mask.encode(np.asfortranarray(array != 0, dtype=np.uint8))
    return {"size": [int(v) for v in encoded["size"]], "counts": encoded["counts"].decode("ascii")}


def decode_rle(rle: Mapping[str, Any]) -> np.ndarray:
    """Decode one RLE (compressed or uncompressed) into a boolean (height, width) array."""
    coco = _coco_list(rle, "rle")[0]
    with warnings.catch_warnings():
        # pycocotools' Cython mask object predates numpy 2's __array__(copy=...) protocol.
        warnings.filterwarnings(
            "ignore", message="__array__ implementation", category=DeprecationWarning
        )
        return np.array(coco_mask.decode(coco), dtype=bool)


def polygon_to_rle(
    polygon: Sequence[float] | Sequence[Sequence[float]], height: int, width: int
) -> RleDict:
    """Rasterize a polygon into a compressed RLE of an image ``height`` x ``width``.

    ``polygon`` is a flat list ``[x1, y1, x2, y2, ...]`` (at least 3 points) or a list of such
    parts, which are merged (union) as COCO does for multi-part segmentations.
    """
    if height <= 0 or width <= 0:
        raise ValueError(f"polygon_to_rle: height and width must be positive, got {height}x{width}")
    if len(polygon) == 0:
        raise ValueError("polygon: expected at least 3 points")
    parts = polygon if isinstance(polygon[0], Sequence | np.ndarray) else [polygon]
    flat_parts: list[list[float]] = []
    for index, part in enumerate(parts):
        values = np.asarray(part, dtype=np.float64)
        if values.ndim != 1 or values.size < 6 or values.size % 2:
            raise ValueError(
                f"polygon[{index}]: expected a flat list of at least 3 x, y points, "
                f"got {values.size} values"
            )
        if not np.isfinite(values).all():
            raise ValueError(f"polygon[{index}]: holds a non-finite coordinate")
        flat_parts.append(values.tolist())
    rles = coco_mask.frPyObjects(flat_parts, int(height), int(width))
    merged = coco_mask.merge(rles)
    return {"size": [int(height), int(width)], "counts": merged["counts"].decode("ascii")}


def rle_area(rles: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> np.ndarray:
    """Foreground pixel count of each RLE, as an int64 array (one value for a single dict)."""
    coco = _coco_list(rles, "rles")
    if not coco:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(coco_mask.area(coco), dtype=np.int64)


def rle_to_bbox(rles: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> np.ndarray:
    """Tight xywh bounding box of each RLE as a float64 (N, 4) array (zeros for an empty mask)."""
    coco = _coco_list(rles, "rles")
    if not coco:
        return np.zeros((0, 4), dtype=np.float64)
    return np.asarray(coco_mask.toBbox(coco), dtype=np.float64).reshape(-1, 4)


def mask_iou(
    rles_a: Sequence[Mapping[str, Any]], rles_b: Sequence[Mapping[str, Any]]
) -> np.ndarray:
    """IoU of every mask in ``rles_a`` with every mask in ``rles_b`` -> (N, M) float64.

    Uses ``pycocotools.mask.iou`` with ``iscrowd`` all False.  All masks must share one image
    size; two empty masks have IoU 0 (pycocotools' convention).
    """
    coco_a = _coco_list(rles_a, "rles_a")
    coco_b = _coco_list(rles_b, "rles_b")
    if not coco_a or not coco_b:
        return np.zeros((len(coco_a), len(coco_b)), dtype=np.float64)
    sizes = {tuple(rle["size"]) for rle in coco_a + coco_b}
    if len(sizes) != 1:
        raise ValueError(f"mask_iou: all masks must have one image size, got {sorted(sizes)}")
    iou = coco_mask.iou(coco_a, coco_b, [0] * len(coco_b))
    return np.asarray(iou, dtype=np.float64).reshape(len(coco_a), len(coco_b))
