"""Review flags for a tracked object's masks across frames (numpy only).

For one object's frames in order:

* ``area_jump``: present on this frame and the previous one, and the area changed by more
  than ``area_jump_share`` of the previous frame's area;
* ``presence_start`` / ``presence_end``: first / last frame of each run of frames on which
  the object is present (appearing, re-appearing after occlusion, leaving, end of track);
* ``low_iou``: the model's predicted IoU is below ``low_iou_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AREA_JUMP = "area_jump"
PRESENCE_START = "presence_start"
PRESENCE_END = "presence_end"
LOW_IOU = "low_iou"


@dataclass(frozen=True)
class ReviewSettings:
    """Thresholds for review flags; stability_offset is the logit offset of the stability score."""

    area_jump_share: float = 0.5
    low_iou_threshold: float = 0.5
    stability_offset: float = 1.0

    def __post_init__(self) -> None:
        if self.area_jump_share <= 0:
            raise ValueError(f"area_jump_share: must be > 0, got {self.area_jump_share}")
        if not 0 <= self.low_iou_threshold <= 1:
            raise ValueError(f"low_iou_threshold: must be in [0, 1], got {self.low_iou_threshold}")


def review_flags(
    frame_indices: np.ndarray,
    present: np.ndarray,
    areas: np.ndarray,
    predicted_iou: np.ndarray,
    settings: ReviewSettings,
) -> list[tuple[str, ...]]:
    """Flags per frame of one object's track (inputs sorted by frame, same length).

    predicted_iou holds NaN where the model gave none (no low_iou flag there). Frames that are
    not consecutive (a gap in tracking) break runs: they are not compared for area jumps.
    """
    count = len(frame_indices)
    if not (len(present) == len(areas) == len(predicted_iou) == count):
        raise ValueError("frame_indices, present, areas, predicted_iou: lengths differ")
    if count == 0:
        return []
    frames = np.asarray(frame_indices, dtype=np.int64)
    present = np.asarray(present, dtype=bool)
    areas = np.asarray(areas, dtype=float)
    adjacent = np.zeros(count, dtype=bool)  # adjacent[t]: frame t directly follows frame t-1
    adjacent[1:] = np.diff(frames) == 1
    previous_present = np.zeros(count, dtype=bool)
    previous_present[1:] = present[:-1]
    next_present = np.zeros(count, dtype=bool)
    next_present[:-1] = present[1:] & adjacent[1:]
    previous_area = np.zeros(count)
    previous_area[1:] = areas[:-1]
    both = present & previous_present & adjacent
    with np.errstate(divide="ignore", invalid="ignore"):
        relative_change = np.abs(areas - previous_area) / previous_area
    # from an empty mask to a non-empty one is an unbounded jump
    relative_change = np.where(previous_area > 0, relative_change, np.where(areas > 0, np.inf, 0.0))
    jump = both & (relative_change > settings.area_jump_share)
    start = present & ~(previous_present & adjacent)
    end = present & ~next_present
    iou = np.asarray(predicted_iou, dtype=float)
    low = np.isfinite(iou) & (iou < settings.low_iou_threshold)
    names = np.array([AREA_JUMP, PRESENCE_START, PRESENCE_END, LOW_IOU])
    table = np.stack([jump, start, end, low], axis=1)
    return [tuple(names[row].tolist()) for row in table]
