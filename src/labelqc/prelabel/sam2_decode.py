"""Prompt arrays in, ``PrelabelResult`` values out, around SAM 2's predictor calls (no torch here).

Prompts of one image go to the predictor as one batch. When every prompt is a bare box, as a
(B, 4) xyxy array (``predict(box=...)``); otherwise each prompt becomes a row of points in the
layout SAM 2 uses internally: the box's two corners with labels 2 and 3 first, then the clicks
(1 positive, 0 negative), padded to the longest row with label -1, which the prompt encoder
treats as "not a point".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pycocotools import mask as mask_utils

from labelqc.prelabel.masks import encode_masks
from labelqc.prelabel.types import PrelabelResult, Prompt
from labelqc.prelabel.uncertainty import combine, multimask_disagreement, stability_scores

BOX_CORNER_LABELS = (2, 3)
PADDING_LABEL = -1


@dataclass(frozen=True)
class EncodedPrompts:
    """Either boxes_xyxy (B, 4) or point_coords (B, N, 2) float32 + point_labels (B, N) int32."""

    boxes_xyxy: np.ndarray | None
    point_coords: np.ndarray | None
    point_labels: np.ndarray | None


def encode_prompts(prompts: Sequence[Prompt], boxes_as_points: bool = False) -> EncodedPrompts:
    """Arrays for one predictor call covering all ``prompts`` (see the module docstring)."""
    if not prompts:
        raise ValueError("prompts: need at least one prompt to encode")
    box_only = all(p.box_xywh is not None and not p.points_xy for p in prompts)
    if box_only and not boxes_as_points:
        boxes = np.array([p.box_xyxy for p in prompts], dtype=np.float32).reshape(-1, 4)
        return EncodedPrompts(boxes, None, None)
    rows_xy: list[list[tuple[float, float]]] = []
    rows_labels: list[list[int]] = []
    for prompt in prompts:
        xy: list[tuple[float, float]] = []
        labels: list[int] = []
        if prompt.box_xyxy is not None:
            x0, y0, x1, y1 = prompt.box_xyxy
            xy += [(x0, y0), (x1, y1)]
            labels += list(BOX_CORNER_LABELS)
        xy += [(float(x), float(y)) for x, y in prompt.points_xy]
        labels += [int(label) for label in prompt.point_labels]
        rows_xy.append(xy)
        rows_labels.append(labels)
    width = max(len(row) for row in rows_labels)
    coords = np.zeros((len(prompts), width, 2), dtype=np.float32)
    labels_array = np.full((len(prompts), width), PADDING_LABEL, dtype=np.int32)
    for row, (xy, labels) in enumerate(zip(rows_xy, rows_labels, strict=True)):
        coords[row, : len(xy)] = xy
        labels_array[row, : len(labels)] = labels
    return EncodedPrompts(None, coords, labels_array)


def decoded_to_results(
    masks: np.ndarray,
    ious: np.ndarray,
    low_res_logits: np.ndarray,
    prompts: Sequence[Prompt],
    describe: Mapping[str, Any],
    stability_offset: float,
) -> list[PrelabelResult]:
    """Turn one multimask predictor answer into one result per prompt.

    masks: (B, K, H, W) 0/1 (the predictor squeezes B == 1 away; it is restored here),
    ious: (B, K) predicted IoUs, low_res_logits: (B, K, h, w). The candidate with the highest
    predicted IoU becomes the mask; stability is measured on its low-resolution logits (as
    SAM 2's decoder does for its own stability check) and disagreement across the K candidates.
    """
    count = len(prompts)
    height, width = masks.shape[-2:]
    masks = np.asarray(masks).reshape(count, -1, height, width)
    ious = np.asarray(ious, dtype=float).reshape(count, -1)
    low_res_logits = np.asarray(low_res_logits).reshape(count, -1, *low_res_logits.shape[-2:])
    rows = np.arange(count)
    best = ious.argmax(axis=1)
    chosen = masks[rows, best] > 0.5
    encoded = encode_masks(chosen)
    stability = stability_scores(low_res_logits[rows, best], stability_offset)
    candidates = ious.shape[1]
    disagreement = multimask_disagreement(low_res_logits) if candidates >= 2 else None
    results = []
    for index, prompt in enumerate(prompts):
        uncertainty = combine(
            predicted_iou=float(ious[index, best[index]]),
            stability=float(stability[index]),
            disagreement=None if disagreement is None else float(disagreement[index]),
        )
        results.append(
            PrelabelResult(
                prompt_index=index,
                class_id=prompt.class_id,
                rle=encoded.rles[index],
                bbox_xywh=tuple(float(v) for v in encoded.boxes_xywh[index]),  # type: ignore[arg-type]
                area=float(encoded.areas[index]),
                predicted_iou=float(ious[index, best[index]]),
                score=None if uncertainty.combined is None else 1.0 - uncertainty.combined,
                uncertainty=uncertainty,
                backend=str(describe["backend"]),
                model_id=str(describe["model_id"]),
                extra=_extra(describe, candidate_ious=[float(v) for v in ious[index]]),
            )
        )
    return results


def records_to_results(
    records: Sequence[Mapping[str, Any]], describe: Mapping[str, Any]
) -> list[PrelabelResult]:
    """Convert ``SAM2AutomaticMaskGenerator`` records (output_mode="coco_rle") to results.

    Box and area are recomputed with pycocotools from the RLE, so they follow the same
    convention as prompted results. Multimask disagreement is not available here.
    """
    results = []
    for record in records:
        rle = dict(record["segmentation"])
        box = np.asarray(mask_utils.toBbox(rle), dtype=float).reshape(4)
        uncertainty = combine(
            predicted_iou=float(record["predicted_iou"]),
            stability=float(record["stability_score"]),
        )
        results.append(
            PrelabelResult(
                prompt_index=None,
                class_id=None,
                rle=rle,
                bbox_xywh=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
                area=float(mask_utils.area(rle)),
                predicted_iou=float(record["predicted_iou"]),
                score=None if uncertainty.combined is None else 1.0 - uncertainty.combined,
                uncertainty=uncertainty,
                backend=str(describe["backend"]),
                model_id=str(describe["model_id"]),
                extra=_extra(describe, point_coords=record.get("point_coords")),
            )
        )
    return results


def _extra(describe: Mapping[str, Any], **values: Any) -> dict[str, Any]:
    extra = {key: value for key, value in values.items() if value is not None}
    if describe.get("random_weights"):
        extra["random_weights"] = True  # never to be shown as a pre-label
    return extra
