"""Geometry validation at the service boundary: pure, and vectorized for boxes.

Every check returns error messages keyed by a field path relative to the shape (e.g.
"geometry.w"), so the service can prefix the record index and answer a 400 that names the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

GEOMETRY_TYPES = ("box", "polygon", "mask", "tag")
# Shapes may touch the image border; tolerate float rounding from tools that export in %.
EDGE_TOLERANCE = 1e-6


def box_errors(boxes: np.ndarray, widths: np.ndarray, heights: np.ndarray) -> list[dict[str, str]]:
    """Check N boxes (xywh) against their images' sizes in one vectorized pass.

    Returns one dict per box (empty when valid) mapping "geometry.<field>" to a message.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    widths = np.asarray(widths, dtype=np.float64).reshape(-1)
    heights = np.asarray(heights, dtype=np.float64).reshape(-1)
    x, y, w, h = boxes.T
    finite = np.isfinite(boxes)
    with np.errstate(invalid="ignore"):
        checks: list[tuple[str, np.ndarray, str]] = [
            ("geometry.x", ~finite[:, 0], "must be a finite number"),
            ("geometry.y", ~finite[:, 1], "must be a finite number"),
            ("geometry.w", ~finite[:, 2], "must be a finite number"),
            ("geometry.h", ~finite[:, 3], "must be a finite number"),
            ("geometry.w", finite[:, 2] & (w <= 0), "must be > 0"),
            ("geometry.h", finite[:, 3] & (h <= 0), "must be > 0"),
            ("geometry.x", finite[:, 0] & (x < -EDGE_TOLERANCE), "must be >= 0 (inside the image)"),
            ("geometry.y", finite[:, 1] & (y < -EDGE_TOLERANCE), "must be >= 0 (inside the image)"),
            (
                "geometry.w",
                finite[:, 0] & finite[:, 2] & (x + w > widths + EDGE_TOLERANCE),
                "box extends past the image's right edge (x + w > width)",
            ),
            (
                "geometry.h",
                finite[:, 1] & finite[:, 3] & (y + h > heights + EDGE_TOLERANCE),
                "box extends past the image's bottom edge (y + h > height)",
            ),
        ]
    errors: list[dict[str, str]] = [{} for _ in range(len(boxes))]
    for field, bad, message in checks:
        for index in np.flatnonzero(bad):
            errors[index].setdefault(field, message)
    return errors


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def parse_box(geometry: Mapping[str, Any]) -> tuple[list[float] | None, dict[str, str]]:
    """Read x, y, w, h from a box geometry; reports missing and non-numeric fields."""
    errors: dict[str, str] = {}
    values: list[float] = []
    for key in ("x", "y", "w", "h"):
        if key not in geometry:
            errors[f"geometry.{key}"] = "is required"
            continue
        number = _number(geometry[key])
        if number is None:
            errors[f"geometry.{key}"] = "must be a finite number"
            continue
        values.append(number)
    return (values if not errors else None), errors


def polygon_errors(points: Any, width: float, height: float) -> dict[str, str]:
    field = "geometry.points"
    if not isinstance(points, Sequence) or isinstance(points, str | bytes):
        return {field: "must be a flat list of numbers [x0, y0, x1, y1, ...]"}
    if len(points) % 2:
        return {field: "must hold an even count of numbers (x, y pairs)"}
    if len(points) < 6:
        return {field: "a polygon needs at least 3 points"}
    if any(_number(v) is None for v in points):
        return {field: "every coordinate must be a finite number"}
    coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if (
        (coords < -EDGE_TOLERANCE).any()
        or (coords[:, 0] > width + EDGE_TOLERANCE).any()
        or (coords[:, 1] > height + EDGE_TOLERANCE).any()
    ):
        return {field: f"points must lie inside the image (0..{width:g} x 0..{height:g})"}
    # Shoelace area: a degenerate (collinear) polygon encloses nothing.
    xs, ys = coords[:, 0], coords[:, 1]
    area = 0.5 * abs(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1)))
    if area <= 0:
        return {field: "polygon encloses no area (points are collinear or repeated)"}
    return {}


def rle_errors(rle: Any, width: int, height: int) -> dict[str, str]:
    if not isinstance(rle, Mapping):
        return {"geometry.rle": "must be a COCO RLE object {size: [h, w], counts: ...}"}
    size = rle.get("size")
    if (
        not isinstance(size, Sequence)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in size)
    ):
        return {"geometry.rle.size": "must be [height, width] integers"}
    if [int(size[0]), int(size[1])] != [int(height), int(width)]:
        return {
            "geometry.rle.size": f"is {list(size)} but the item is [{height}, {width}] (height, width)"
        }
    counts = rle.get("counts")
    if isinstance(counts, str):
        if not counts:
            return {"geometry.rle.counts": "must not be empty"}
        return {}
    if isinstance(counts, Sequence) and not isinstance(counts, bytes):
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts):
            return {"geometry.rle.counts": "uncompressed counts must be non-negative integers"}
        if sum(counts) != int(height) * int(width):
            return {"geometry.rle.counts": "uncompressed counts must sum to height x width"}
        return {}
    return {"geometry.rle.counts": "must be a compressed string or a list of run lengths"}


def mask_extent(rle: Mapping[str, Any]) -> tuple[dict[str, Any], list[float], float]:
    """Compress an RLE (pycocotools is the codec) and return it with its bbox and area."""
    from pycocotools import mask as mask_utils

    height, width = (int(v) for v in rle["size"])
    counts = rle["counts"]
    if isinstance(counts, str):
        compressed = {"size": [height, width], "counts": counts.encode("ascii")}
    else:
        compressed = mask_utils.frPyObjects(
            {"size": [height, width], "counts": list(counts)}, height, width
        )
    area = float(mask_utils.area(compressed))
    bbox = [float(v) for v in mask_utils.toBbox(compressed)]
    counts_out = compressed["counts"]
    if isinstance(counts_out, bytes):
        counts_out = counts_out.decode("ascii")
    return {"size": [height, width], "counts": counts_out}, bbox, area


def polygon_extent(points: Sequence[float]) -> tuple[list[float], float]:
    coords = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    x0, y0 = coords.min(axis=0)
    x1, y1 = coords.max(axis=0)
    xs, ys = coords[:, 0], coords[:, 1]
    area = 0.5 * abs(float(np.dot(xs, np.roll(ys, -1)) - np.dot(ys, np.roll(xs, -1))))
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)], area


def shape_errors_and_extent(
    geometry_type: str, geometry: Any, width: int, height: int
) -> tuple[dict[str, str], dict[str, Any] | None, list[float] | None, float | None]:
    """Validate one non-box shape; returns (errors, normalised geometry, bbox xywh, area).

    Boxes go through `box_errors` in bulk instead; tags have no extent.
    """
    if geometry_type not in GEOMETRY_TYPES:
        return {"geometry_type": f"must be one of {', '.join(GEOMETRY_TYPES)}"}, None, None, None
    if geometry_type == "tag":
        return {}, {}, None, None
    if not isinstance(geometry, Mapping):
        return {"geometry": "must be an object"}, None, None, None
    if geometry_type == "polygon":
        points = geometry.get("points")
        errors = polygon_errors(points, width, height)
        if errors:
            return errors, None, None, None
        bbox, area = polygon_extent(points)
        return {}, {"points": [float(v) for v in points]}, bbox, area
    if geometry_type == "mask":
        rle = geometry.get("rle")
        errors = rle_errors(rle, width, height)
        if errors:
            return errors, None, None, None
        try:
            normalised, bbox, area = mask_extent(rle)
        except Exception:  # pycocotools raises bare errors on corrupt counts
            return {"geometry.rle.counts": "is not a valid COCO RLE"}, None, None, None
        if area <= 0:
            return {"geometry.rle": "mask is empty"}, None, None, None
        return {}, {"rle": normalised}, bbox, area
    raise ValueError("boxes are validated in bulk with box_errors")
