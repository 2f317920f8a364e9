"""CVAT and Label Studio mask codecs against their references and as round-trip properties."""

from __future__ import annotations

import json

import numpy as np
import pytest
from formats_helpers import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from labelqc.formats import (
    coco_rle_to_cvat,
    cvat_to_coco_rle,
    decode_cvat_rle,
    encode_cvat_rle,
    ls_rle_to_mask,
    mask_to_ls_rle,
)
from labelqc.formats.ls_brush import decode_ls_rle, encode_ls_values
from labelqc.formats.masks import decode_coco_mask, encode_coco_mask

masks = arrays(
    np.uint8,
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
    elements=st.integers(0, 1),
)


def test_cvat_examples_from_cvat_core() -> None:
    # cvat-core's mask2Rle documents: 0,0,0,1 => [3, 1] and 1,1,0,0 => [0, 2, 2].
    assert encode_cvat_rle(np.array([[0, 0, 0, 1]])) == [3, 1]
    assert encode_cvat_rle(np.array([[1, 1, 0, 0]])) == [0, 2, 2]
    assert decode_cvat_rle([3, 1], 4, 1).tolist() == [[False, False, False, True]]
    # Runs that stop early leave the rest as background.
    assert decode_cvat_rle([1, 2], 2, 2).tolist() == [[False, True], [True, False]]
    with pytest.raises(ValueError):
        decode_cvat_rle([3, 4], 2, 2)


def test_cvat_decoding_matches_datumaro() -> None:
    mask_tools = pytest.importorskip("datumaro.util.mask_tools")
    rng = np.random.default_rng(7)
    crop = (rng.random((9, 13)) > 0.6).astype(np.uint8)
    runs = encode_cvat_rle(crop)
    # datumaro's CVAT importer decodes runs as a (width, height) COCO RLE and transposes.
    theirs = mask_tools.rle_to_mask(
        {"counts": np.asarray(runs, dtype=np.uint32), "size": np.array([13, 9])}
    ).transpose()
    assert np.array_equal(decode_cvat_rle(runs, 13, 9), theirs.astype(bool))


@settings(max_examples=60, deadline=None)
@given(masks)
def test_cvat_codec_round_trip(mask: np.ndarray) -> None:
    assert np.array_equal(
        decode_cvat_rle(encode_cvat_rle(mask), mask.shape[1], mask.shape[0]), mask
    )


@settings(max_examples=60, deadline=None)
@given(masks)
def test_cvat_placement_round_trips_full_image_coco_rle(mask: np.ndarray) -> None:
    rle = encode_coco_mask(mask)
    encoded = coco_rle_to_cvat(rle)
    if not mask.any():
        assert encoded is None
        return
    runs, left, top, width, height = encoded
    back = cvat_to_coco_rle(runs, left, top, width, height, mask.shape[1], mask.shape[0])
    assert np.array_equal(decode_coco_mask(back), mask)


def _sdk_brush() -> tuple[list[int], int, int]:
    task = json.loads((FIXTURES / "label_studio/ls_brush_sdk.json").read_text())
    result = task[0]["annotations"][0]["result"][0]
    return result["value"]["rle"], result["original_width"], result["original_height"]


def test_brush_rle_from_the_reference_encoder_decodes_to_the_png_mask() -> None:
    rle, width, height = _sdk_brush()
    gray = np.asarray(Image.open(FIXTURES / "label_studio/brush_test.png").convert("L"))
    expected = gray > 128  # what label-studio-converter's image2rle thresholds
    mask = ls_rle_to_mask(rle, width, height)
    assert mask.shape == (427, 640)
    assert np.array_equal(mask, expected)
    assert int(mask.sum()) == 86802


def test_brush_encoder_matches_the_reference_byte_for_byte() -> None:
    rle, width, height = _sdk_brush()
    mask = ls_rle_to_mask(rle, width, height)
    assert mask_to_ls_rle(mask) == rle


def test_brush_long_runs_and_literals() -> None:
    values = np.concatenate(
        [np.zeros(70000, np.uint8), np.arange(5, dtype=np.uint8), np.full(300, 9, np.uint8)]
    )
    assert np.array_equal(decode_ls_rle(encode_ls_values(values)), values)
    with pytest.raises(ValueError):
        decode_ls_rle(encode_ls_values(values)[:20])
    with pytest.raises(ValueError):
        ls_rle_to_mask(encode_ls_values(values), 10, 10)


@settings(max_examples=60, deadline=None)
@given(masks)
def test_brush_codec_round_trip(mask: np.ndarray) -> None:
    height, width = mask.shape
    assert np.array_equal(ls_rle_to_mask(mask_to_ls_rle(mask), width, height), mask.astype(bool))


def test_hostile_headers_and_sizes_are_refused_before_allocating() -> None:
    # A header claiming 2**32-1 values for a 2x2 image is refused without decoding.
    header = [0xFF, 0xFF, 0xFF, 0xFF, 0x38, 0x9F, 0x78]
    with pytest.raises(ValueError, match="expected 16"):
        ls_rle_to_mask(header, 2, 2)
    with pytest.raises(ValueError, match="exceeds"):
        ls_rle_to_mask(header, 100_000, 100_000)
    with pytest.raises(ValueError, match="exceeds"):
        cvat_to_coco_rle([0, 1], 0, 0, 1, 1, 100_000, 100_000)
