"""Boundary validation of shapes: vectorized box checks and per-shape polygon / RLE checks."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from labelqc.validation import (
    box_errors,
    parse_box,
    polygon_errors,
    rle_errors,
    shape_errors_and_extent,
)


def test_box_errors_name_each_field():
    boxes = np.array(
        [[0, 0, 10, 10], [5, 5, 0, 3], [-1, 0, 4, 4], [90, 0, 20, 5], [0, np.nan, 1, 1]]
    )
    errors = box_errors(boxes, np.full(5, 100), np.full(5, 50))
    assert errors[0] == {}
    assert set(errors[1]) == {"geometry.w"}
    assert set(errors[2]) == {"geometry.x"}
    assert set(errors[3]) == {"geometry.w"} and "right edge" in errors[3]["geometry.w"]
    assert set(errors[4]) == {"geometry.y"}


@given(st.floats(0, 90), st.floats(0, 40), st.floats(0.1, 10), st.floats(0.1, 10))
def test_boxes_inside_the_image_are_valid(x, y, w, h):
    assert box_errors(np.array([[x, y, w, h]]), np.array([100]), np.array([50])) == [{}]


def test_parse_box_rejects_booleans_and_missing_fields():
    assert parse_box({"x": True, "y": 1, "w": 2})[1] == {
        "geometry.x": "must be a finite number",
        "geometry.h": "is required",
    }


def test_polygon_and_rle_checks():
    assert polygon_errors([0, 0, 10, 0, 10, 10], 20, 20) == {}
    assert "collinear" in polygon_errors([0, 0, 5, 5, 10, 10], 20, 20)["geometry.points"]
    assert "even" in polygon_errors([0, 0, 5], 20, 20)["geometry.points"]
    assert rle_errors({"size": [20, 30], "counts": [600]}, 30, 20) == {}
    assert "geometry.rle.size" in rle_errors({"size": [30, 20], "counts": [600]}, 30, 20)


def test_mask_extent_comes_from_pycocotools():
    counts = [22, 3, 17, 3, 555]  # columns 1 and 2, rows 2..4 of a 20x30 mask
    errors, geometry, bbox, area = shape_errors_and_extent(
        "mask", {"rle": {"size": [20, 30], "counts": counts}}, 30, 20
    )
    assert errors == {} and isinstance(geometry["rle"]["counts"], str)
    assert bbox == [1.0, 2.0, 2.0, 3.0] and area == 6.0
