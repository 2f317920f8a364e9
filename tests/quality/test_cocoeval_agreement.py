"""TP count of golden-set scoring agrees with pycocotools COCOeval (IoU 0.5) within 0.1 %."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelqc.quality import score_against_gold


def random_workload(seed: int, n_images: int = 300) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = n_images * 8
    w, h = rng.uniform(10, 200, n), rng.uniform(10, 200, n)
    gold = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_images), 8),
            "class_id": rng.integers(0, 4, n),
            "x": rng.uniform(0, 640 - w),
            "y": rng.uniform(0, 480 - h),
            "w": w,
            "h": h,
        }
    )
    kept = gold[rng.random(n) < 0.9]
    k = len(kept)
    drawn = pd.DataFrame(
        {
            "item_id": kept["item_id"].to_numpy(),
            "annotator_id": 1,
            "class_id": np.where(
                rng.random(k) < 0.05, rng.integers(0, 4, k), kept["class_id"].to_numpy()
            ),
            "x": kept["x"].to_numpy() + rng.normal(0, 0.1, k) * kept["w"].to_numpy(),
            "y": kept["y"].to_numpy() + rng.normal(0, 0.1, k) * kept["h"].to_numpy(),
            "w": kept["w"].to_numpy() * np.exp(rng.normal(0, 0.15, k)),
            "h": kept["h"].to_numpy() * np.exp(rng.normal(0, 0.15, k)),
        }
    )
    return gold, drawn


def cocoeval_tp(gold: pd.DataFrame, drawn: pd.DataFrame, seed: int) -> int:
    rng = np.random.default_rng(seed)
    dataset = {
        "images": [{"id": int(i)} for i in sorted(set(gold["item_id"]))],
        "categories": [{"id": c + 1} for c in range(4)],
        "annotations": [
            {
                "id": i + 1,
                "image_id": int(row.item_id),
                "category_id": int(row.class_id) + 1,
                "bbox": [row.x, row.y, row.w, row.h],
                "area": row.w * row.h,
                "iscrowd": 0,
            }
            for i, row in enumerate(gold.itertuples())
        ],
    }
    detections = [
        {
            "image_id": int(row.item_id),
            "category_id": int(row.class_id) + 1,
            "bbox": [row.x, row.y, row.w, row.h],
            "score": float(score),
        }
        for row, score in zip(drawn.itertuples(), rng.random(len(drawn)), strict=True)
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = dataset
        coco_gt.createIndex()
        evaluator = COCOeval(coco_gt, coco_gt.loadRes(detections), "bbox")
        evaluator.params.iouThrs = np.array([0.5])
        evaluator.params.maxDets = [100]
        evaluator.params.areaRng = [[0.0, 1e10]]
        evaluator.params.areaRngLbl = ["all"]
        evaluator.evaluate()
    return sum(
        int(((np.asarray(e["dtMatches"])[0] > 0) & ~np.asarray(e["dtIgnore"])[0]).sum())
        for e in evaluator.evalImgs
        if e is not None
    )


def test_tp_within_a_tenth_of_a_percent_of_cocoeval() -> None:
    for seed in (0, 1):
        gold, drawn = random_workload(seed)
        ours = int(score_against_gold(gold, drawn, 0.5, by=())["tp"].iloc[0])
        theirs = cocoeval_tp(gold, drawn, seed)
        assert theirs > 0.8 * len(drawn)  # the workload is mostly correct boxes
        # The optimal assignment never matches fewer boxes than COCOeval's greedy pass.
        assert ours >= theirs
        assert abs(ours - theirs) <= 0.001 * theirs
