"""Geometry: box and mask IoU, RLE helpers and one-to-one matching of annotations to gold.

Public API (all pure functions over numpy arrays / pandas DataFrames):

- boxes: :func:`box_iou`, :func:`box_iou_pairs`, :func:`box_area` (xywh pixel boxes)
- masks: :func:`mask_iou`, :func:`polygon_to_rle`, :func:`rle_area`, :func:`rle_to_bbox`,
  :func:`encode_mask`, :func:`decode_rle`, :func:`normalize_rle` (through pycocotools)
- matching: :func:`match_iou_matrix` (one matrix), :func:`match_boxes` / :func:`match_masks`
  (whole frames, returning a :class:`MatchResult`), :func:`thresholds_for_classes`
"""

from labelqc.geometry.assignment import IouThreshold, match_iou_matrix, thresholds_for_classes
from labelqc.geometry.boxes import box_area, box_iou, box_iou_pairs
from labelqc.geometry.frames import FrameValidationError
from labelqc.geometry.masks import (
    decode_rle,
    encode_mask,
    mask_iou,
    normalize_rle,
    polygon_to_rle,
    rle_area,
    rle_to_bbox,
)
from labelqc.geometry.matching import MatchResult, match_boxes, match_masks

__all__ = [
    "FrameValidationError",
    "IouThreshold",
    "MatchResult",
    "box_area",
    "box_iou",
    "box_iou_pairs",
    "decode_rle",
    "encode_mask",
    "mask_iou",
    "match_boxes",
    "match_iou_matrix",
    "match_masks",
    "normalize_rle",
    "polygon_to_rle",
    "rle_area",
    "rle_to_bbox",
    "thresholds_for_classes",
]
