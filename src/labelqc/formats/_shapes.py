"""Geometry shared by the readers: rotated boxes become 4-corner polygons."""

from __future__ import annotations

import math


def rotated_box(
    x0: float, y0: float, x1: float, y1: float, degrees: float, pivot: tuple[float, float]
) -> tuple[float, ...]:
    """Corners of the box (x0, y0)-(x1, y1) rotated clockwise (image y axis points down) by
    ``degrees`` about ``pivot``, as a flat ring starting at the top-left corner.

    CVAT rotates about the box centre, Label Studio about its top-left corner.
    """
    px, py = pivot
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    ring: list[float] = []
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        dx, dy = x - px, y - py
        ring += [px + dx * cos - dy * sin, py + dx * sin + dy * cos]
    return tuple(ring)
