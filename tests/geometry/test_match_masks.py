"""Mask matching: IoU from RLEs through pycocotools, same engine as box matching."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.geometry import (
    FrameValidationError,
    encode_mask,
    mask_iou,
    match_boxes,
    match_iou_matrix,
    match_masks,
    polygon_to_rle,
)

HEIGHT, WIDTH = 40, 50


def rectangle_rle(x: int, y: int, w: int, h: int) -> dict:
    mask = np.zeros((HEIGHT, WIDTH), dtype=bool)
    mask[y : y + h, x : x + w] = True
    return encode_mask(mask)


def integer_box_frames(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(15):
        for _ in range(int(rng.integers(1, 5))):
            x, y = int(rng.integers(0, 30)), int(rng.integers(0, 20))
            w, h = int(rng.integers(4, 20)), int(rng.integers(4, 20))
            rows.append((item, -1, int(rng.integers(0, 2)), x, y, w, h))
    gold = pd.DataFrame(rows, columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h"])
    drawn = gold.copy()
    drawn["annotator_id"] = np.where(rng.random(len(drawn)) < 0.5, 1, 2)
    drawn[["x", "y"]] = np.clip(drawn[["x", "y"]] + rng.integers(-3, 4, (len(drawn), 2)), 0, 25)
    for frame in (gold, drawn):
        frame["rle"] = [
            rectangle_rle(*map(int, row))
            for row in frame[["x", "y", "w", "h"]].itertuples(index=False)
        ]
    return gold, drawn


def test_rectangle_masks_match_like_their_boxes() -> None:
    gold, drawn = integer_box_frames(seed=0)
    by_mask = match_masks(gold, drawn, 0.5)
    by_box = match_boxes(gold, drawn, 0.5)
    pd.testing.assert_frame_equal(
        by_mask.pairs.drop(columns="iou"), by_box.pairs.drop(columns="iou")
    )
    np.testing.assert_allclose(by_mask.pairs["iou"], by_box.pairs["iou"], atol=1e-12)


def test_polygon_masks_equal_per_item_reference() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for item in range(6):
        for owner in (-1, 4):
            for _ in range(3):
                cx, cy = rng.uniform(10, 40), rng.uniform(10, 30)
                angles = np.sort(rng.uniform(0, 2 * np.pi, 6))
                radius = rng.uniform(4, 9, 6)
                polygon = np.column_stack(
                    [cx + radius * np.cos(angles), cy + radius * np.sin(angles)]
                ).ravel()
                rle = polygon_to_rle(polygon.tolist(), HEIGHT, WIDTH)
                rows.append((item, owner, 0, cx - 9, cy - 9, 18.0, 18.0, rle))
    frame = pd.DataFrame(
        rows, columns=["item_id", "annotator_id", "class_id", "x", "y", "w", "h", "rle"]
    )
    gold = frame[frame["annotator_id"] == -1].reset_index(drop=True)
    drawn = frame[frame["annotator_id"] == 4].reset_index(drop=True)
    result = match_masks(gold, drawn, 0.2)
    for item in range(6):
        truth, ours = gold[gold["item_id"] == item], drawn[drawn["item_id"] == item]
        iou = mask_iou(list(truth["rle"]), list(ours["rle"]))
        rows_, cols_ = match_iou_matrix(iou, 0.2)
        got = result.pairs[result.pairs["item_id"] == item]
        assert len(got) == rows_.size
        assert got["iou"].sum() == pytest.approx(iou[rows_, cols_].sum(), abs=1e-12)


def test_missing_rle_and_size_mismatch_raise() -> None:
    gold, drawn = integer_box_frames(seed=2)
    broken = drawn.copy()
    broken.loc[3, "rle"] = None
    with pytest.raises(FrameValidationError, match=r"annotations\.rle: row 3 has no RLE"):
        match_masks(gold, broken, 0.5)
    with pytest.raises(FrameValidationError, match=r"gold: missing required column\(s\) \['rle'\]"):
        match_masks(gold.drop(columns="rle"), drawn, 0.5)
    other_size = drawn.copy()
    other_size["rle"] = [
        encode_mask(np.pad(decode, ((0, 1), (0, 0))))
        for decode in (np.ones((HEIGHT, WIDTH), dtype=bool) for _ in range(len(drawn)))
    ]
    with pytest.raises(ValueError, match="mask sizes differ"):
        match_masks(gold, other_size, 0.5)
