"""RLE helpers and mask IoU against pycocotools, and the published COCO RLE example."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from labelqc.geometry import (
    decode_rle,
    encode_mask,
    mask_iou,
    normalize_rle,
    polygon_to_rle,
    rle_area,
    rle_to_bbox,
)

# Copied from the shared reference file (reference/agreement.json, "coco_rle_example"):
# "pycocotools 2.0.11 behaviour, 4x5 image (Fortran order, uint8)".
EXAMPLE_COMPRESSED_A = "5220003"
EXAMPLE_UNCOMPRESSED_A = [5, 2, 2, 2, 2, 2, 5]
EXAMPLE_AREA_A = 6
EXAMPLE_BBOX_A = [1, 1, 3, 2]
EXAMPLE_IOU_A_B = 0.36363636


def example_masks() -> tuple[np.ndarray, np.ndarray]:
    mask_a = np.zeros((4, 5), dtype=bool)
    mask_a[1:3, 1:4] = True
    mask_b = np.zeros((4, 5), dtype=bool)
    mask_b[1:4, 2:5] = True
    return mask_a, mask_b


def test_reference_example() -> None:
    mask_a, mask_b = example_masks()
    rle_a = encode_mask(mask_a)
    assert rle_a == {"size": [4, 5], "counts": EXAMPLE_COMPRESSED_A}
    assert normalize_rle({"size": [4, 5], "counts": EXAMPLE_UNCOMPRESSED_A}) == rle_a
    assert rle_area(rle_a).tolist() == [EXAMPLE_AREA_A]
    assert rle_to_bbox(rle_a).tolist() == [EXAMPLE_BBOX_A]
    iou = mask_iou([rle_a], [encode_mask(mask_b)])
    assert iou.shape == (1, 1)
    assert iou[0, 0] == pytest.approx(EXAMPLE_IOU_A_B, abs=1e-8)


def test_mask_iou_equals_pycocotools_on_random_masks() -> None:
    rng = np.random.default_rng(3)
    masks = rng.random((9, 24, 31)) < rng.uniform(0.05, 0.6, (9, 1, 1))
    masks[0] = False  # an empty mask: IoU 0 with everything, itself included
    rles = [encode_mask(m) for m in masks]
    coco = [coco_mask.encode(np.asfortranarray(m.astype(np.uint8))) for m in masks]
    expected = np.asarray(coco_mask.iou(coco[:5], coco[4:], [0] * 5))
    np.testing.assert_allclose(mask_iou(rles[:5], rles[4:]), expected, rtol=0, atol=1e-12)
    direct = (masks[:5, None] & masks[None, 4:]).sum((2, 3)) / np.maximum(
        (masks[:5, None] | masks[None, 4:]).sum((2, 3)), 1
    )
    np.testing.assert_allclose(mask_iou(rles[:5], rles[4:]), direct, atol=1e-12)
    assert mask_iou(rles[:1], rles[:1])[0, 0] == 0.0


def test_encode_decode_round_trip_and_bytes_counts() -> None:
    rng = np.random.default_rng(4)
    mask = rng.random((17, 13)) < 0.3
    rle = encode_mask(mask)
    assert isinstance(rle["counts"], str)
    np.testing.assert_array_equal(decode_rle(rle), mask)
    as_bytes = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    np.testing.assert_array_equal(decode_rle(as_bytes), mask)
    assert rle_area([rle, as_bytes]).tolist() == [int(mask.sum())] * 2


def test_polygon_area_equals_pycocotools() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        points = rng.uniform(0, 60, 2 * int(rng.integers(3, 9))).tolist()
        expected = coco_mask.area(coco_mask.merge(coco_mask.frPyObjects([points], 50, 70)))
        rle = polygon_to_rle(points, 50, 70)
        assert rle["size"] == [50, 70]
        assert int(rle_area(rle)[0]) == int(expected)


def test_multi_part_polygon_is_the_union_of_its_parts() -> None:
    square_a = [2, 2, 10, 2, 10, 10, 2, 10]
    square_b = [6, 6, 14, 6, 14, 14, 6, 14]
    merged = decode_rle(polygon_to_rle([square_a, square_b], 20, 20))
    union = decode_rle(polygon_to_rle(square_a, 20, 20)) | decode_rle(
        polygon_to_rle(square_b, 20, 20)
    )
    np.testing.assert_array_equal(merged, union)


def test_rle_to_bbox_matches_mask_extent() -> None:
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:7, 3:11] = True
    assert rle_to_bbox([encode_mask(mask)]).tolist() == [[3.0, 2.0, 8.0, 5.0]]
    assert rle_to_bbox([]).shape == (0, 4)


def test_empty_lists_give_empty_matrices() -> None:
    rle = encode_mask(np.ones((3, 3), dtype=bool))
    assert mask_iou([], [rle]).shape == (0, 1)
    assert mask_iou([rle], []).shape == (1, 0)


@pytest.mark.parametrize(
    ("rle", "message"),
    [
        ({"counts": "5"}, "size"),
        ({"size": [4, 5], "counts": [5, 2]}, "sum to 7"),
        ({"size": [4, 5], "counts": [5, -1, 16]}, "non-negative"),
        ({"size": [4], "counts": "5"}, "size"),
        ({"size": [4, 5], "counts": 3.5}, "counts"),
    ],
)
def test_malformed_rle_raises(rle: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        normalize_rle(rle)


def test_mask_iou_rejects_mixed_sizes() -> None:
    small = encode_mask(np.ones((3, 3), dtype=bool))
    large = encode_mask(np.ones((4, 3), dtype=bool))
    with pytest.raises(ValueError, match="one image size"):
        mask_iou([small], [large])


@pytest.mark.parametrize(
    ("polygon", "message"),
    [([1, 2, 3, 4], "at least 3"), ([1, 2, 3, 4, 5], "at least 3"), ([], "at least 3")],
)
def test_bad_polygon_raises(polygon: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        polygon_to_rle(polygon, 10, 10)


def test_encode_mask_needs_2d() -> None:
    with pytest.raises(ValueError, match="2-D"):
        encode_mask(np.zeros((2, 2, 2), dtype=bool))
