"""Golden-set box scoring: labelqc vs pycocotools COCOeval on the same workload.

Workload: N images x B gold boxes (random classes and sizes), one annotator whose boxes are the
gold boxes jittered, with some dropped, some relabelled and a few extra boxes.  Both tools match
class-aware at IoU 0.5: COCOeval with ``iouThrs=[0.5]``, ``maxDets`` above the largest image, a
single ``all`` area range, TP counted from ``evalImgs[*]["dtMatches"]``; labelqc with
``match_boxes`` + ``score_comparison``.  Prints both timings, the speed-up and the TP agreement.

    PYTHONPATH=src .venv/bin/python bench/bench_gold_scoring.py            # 20,000 x 8
    PYTHONPATH=src .venv/bin/python bench/bench_gold_scoring.py --quick    # 2,000 x 8
    PYTHONPATH=src .venv/bin/python bench/bench_gold_scoring.py --scale    # + 200k x 3 x 8, ours only

Each figure is wall-clock seconds and, in brackets, process CPU seconds: on a shared machine the
CPU time is the steadier of the two.  labelqc runs are the best of ``--repeat`` runs; COCOeval
runs once (it is the slow side).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelqc.geometry import match_boxes
from labelqc.quality import score_against_gold

Result = TypeVar("Result")

IMAGE_WIDTH, IMAGE_HEIGHT = 1280.0, 720.0


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:7.2f} s ({self.cpu:6.2f} s CPU)"


def timed(function: Callable[[], Result], repeat: int = 1) -> tuple[Result, Timing]:
    """Run ``function`` ``repeat`` times; return its last result and the fastest timing."""
    best: Timing | None = None
    result: Result
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        timing = Timing(time.perf_counter() - wall, time.process_time() - cpu)
        best = timing if best is None or timing.wall < best.wall else best
    assert best is not None
    return result, best


def make_workload(
    n_images: int, boxes_per_image: int, n_annotators: int, seed: int, n_classes: int = 6
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gold boxes and ``n_annotators`` jittered copies (8% dropped, 3% relabelled, extras)."""
    rng = np.random.default_rng(seed)
    n_gold = n_images * boxes_per_image
    w = rng.uniform(16, 240, n_gold)
    h = rng.uniform(16, 240, n_gold)
    gold = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n_images), boxes_per_image),
            "annotator_id": -1,
            "class_id": rng.integers(0, n_classes, n_gold),
            "x": rng.uniform(0, IMAGE_WIDTH - w),
            "y": rng.uniform(0, IMAGE_HEIGHT - h),
            "w": w,
            "h": h,
        }
    )
    parts = []
    for annotator in range(n_annotators):
        kept = gold[rng.random(n_gold) > 0.08]
        n_kept = len(kept)
        scale_w = np.exp(rng.normal(0.0, 0.12, n_kept))
        scale_h = np.exp(rng.normal(0.0, 0.12, n_kept))
        relabel = rng.random(n_kept) < 0.03
        drawn = pd.DataFrame(
            {
                "item_id": kept["item_id"].to_numpy(),
                "annotator_id": annotator,
                "class_id": np.where(
                    relabel, rng.integers(0, n_classes, n_kept), kept["class_id"].to_numpy()
                ),
                "x": kept["x"].to_numpy() + rng.normal(0, 0.08, n_kept) * kept["w"].to_numpy(),
                "y": kept["y"].to_numpy() + rng.normal(0, 0.08, n_kept) * kept["h"].to_numpy(),
                "w": kept["w"].to_numpy() * scale_w,
                "h": kept["h"].to_numpy() * scale_h,
            }
        )
        n_extra = int(0.05 * n_gold)
        extra_w = rng.uniform(16, 240, n_extra)
        extra_h = rng.uniform(16, 240, n_extra)
        extra = pd.DataFrame(
            {
                "item_id": rng.integers(0, n_images, n_extra),
                "annotator_id": annotator,
                "class_id": rng.integers(0, n_classes, n_extra),
                "x": rng.uniform(0, IMAGE_WIDTH - extra_w),
                "y": rng.uniform(0, IMAGE_HEIGHT - extra_h),
                "w": extra_w,
                "h": extra_h,
            }
        )
        parts.extend([drawn, extra])
    annotations = pd.concat(parts, ignore_index=True)
    return gold, annotations


def cocoeval_evaluator(gold: pd.DataFrame, annotations: pd.DataFrame, seed: int) -> COCOeval:
    """COCOeval set up for class-aware matching at IoU 0.5 (random detection scores)."""
    rng = np.random.default_rng(seed + 1)
    images = [
        {"id": int(i), "width": IMAGE_WIDTH, "height": IMAGE_HEIGHT}
        for i in range(int(max(gold["item_id"].max(), annotations["item_id"].max())) + 1)
    ]
    classes = sorted(set(gold["class_id"]) | set(annotations["class_id"]))
    boxes = gold[["x", "y", "w", "h"]].to_numpy().tolist()
    ground_truth = {
        "images": images,
        "categories": [{"id": int(c) + 1} for c in classes],
        "annotations": [
            {
                "id": index + 1,
                "image_id": int(item),
                "category_id": int(cls) + 1,
                "bbox": box,
                "area": box[2] * box[3],
                "iscrowd": 0,
            }
            for index, (item, cls, box) in enumerate(
                zip(gold["item_id"].tolist(), gold["class_id"].tolist(), boxes, strict=True)
            )
        ],
    }
    detections = [
        {"image_id": int(item), "category_id": int(cls) + 1, "bbox": box, "score": float(score)}
        for item, cls, box, score in zip(
            annotations["item_id"].tolist(),
            annotations["class_id"].tolist(),
            annotations[["x", "y", "w", "h"]].to_numpy().tolist(),
            rng.random(len(annotations)).tolist(),
            strict=True,
        )
    ]
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = ground_truth
        coco_gt.createIndex()
        evaluator = COCOeval(coco_gt, coco_gt.loadRes(detections), "bbox")
    evaluator.params.iouThrs = np.array([0.5])
    per_image = max(
        int(annotations.groupby(["item_id", "class_id"]).size().max()),
        int(gold.groupby(["item_id", "class_id"]).size().max()),
    )
    evaluator.params.maxDets = [per_image + 1]
    evaluator.params.areaRng = [[0.0, 1e10]]
    evaluator.params.areaRngLbl = ["all"]
    return evaluator


def cocoeval_true_positives(evaluator: COCOeval) -> int:
    """Run ``evaluate()`` and count matched, non-ignored detections in ``evalImgs``."""
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.evaluate()
    true_positives = 0
    for record in evaluator.evalImgs:
        if record is None:
            continue
        matched = (np.asarray(record["dtMatches"])[0] > 0) & ~np.asarray(record["dtIgnore"])[0]
        true_positives += int(matched.sum())
    return true_positives


def labelqc_true_positives(gold: pd.DataFrame, annotations: pd.DataFrame) -> int:
    """TP count of labelqc's golden-set scoring (matching + per-annotator scores)."""
    scores = score_against_gold(gold, annotations, 0.5, by=("annotator_id",))
    return int(scores["tp"].sum())


def run_scale(n_images: int, n_annotators: int, boxes_per_image: int, seed: int) -> None:
    gold, annotations = make_workload(n_images, boxes_per_image, n_annotators, seed)
    print(
        f"\nscale: {n_images:,} items x {n_annotators} annotators x {boxes_per_image} objects "
        f"({len(gold):,} gold, {len(annotations):,} annotation rows)"
    )
    for class_aware in (True, False):
        result, timing = timed(lambda aware=class_aware: match_boxes(gold, annotations, 0.5, aware))
        print(
            f"  match_boxes class_aware={class_aware!s:5}     : {timing}, "
            f"{len(result.pairs):,} pairs, {result.n_ambiguous_groups:,} of "
            f"{len(result.groups):,} groups needed linear_sum_assignment"
        )
    _, timing = timed(lambda: labelqc_true_positives(gold, annotations))
    print(f"  score_against_gold per annotator: {timing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--boxes", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="labelqc runs (best is kept)")
    parser.add_argument("--quick", action="store_true", help="2,000 images, for a smoke run")
    parser.add_argument("--scale", action="store_true", help="also time 200k items x 3 annotators")
    args = parser.parse_args()
    n_images = 2_000 if args.quick else args.images

    gold, annotations = make_workload(n_images, args.boxes, 1, args.seed)
    print(
        f"workload: {n_images:,} images x {args.boxes} gold boxes ({len(gold):,} gold, "
        f"{len(annotations):,} annotated boxes), IoU 0.5, class-aware"
    )
    ours_tp, ours = timed(lambda: labelqc_true_positives(gold, annotations), args.repeat)
    evaluator, setup = timed(lambda: cocoeval_evaluator(gold, annotations, args.seed))
    coco_tp, coco = timed(lambda: cocoeval_true_positives(evaluator))
    print(f"labelqc  score_against_gold: {ours}   TP {ours_tp:,}")
    print(f"COCOeval evaluate()        : {coco}   TP {coco_tp:,}")
    print(f"COCOeval COCO() + loadRes  : {setup}   (not counted below)")
    print(
        f"speed-up vs evaluate(): {coco.wall / ours.wall:.1f}x wall, "
        f"{coco.cpu / max(ours.cpu, 1e-9):.1f}x CPU (target >= 10x)"
    )
    difference = abs(ours_tp - coco_tp) / max(coco_tp, 1)
    verdict = "OK" if difference <= 0.001 else "OUTSIDE 0.1%"
    print(
        f"TP agreement: labelqc - COCOeval = {ours_tp - coco_tp:+d} ({difference:.4%}) -> {verdict}"
    )
    if args.scale:
        run_scale(200_000, 3, args.boxes, args.seed)


if __name__ == "__main__":
    main()
