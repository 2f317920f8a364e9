"""Plain value types of video pre-labeling (torch-free, so services can import them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.prelabel.types import Prompt, Uncertainty


@dataclass(frozen=True)
class VideoPrompt:
    """A prompt for object ``obj_id`` on frame ``frame_index``.

    replace: clicks replace earlier clicks on this frame/object (a box always replaces).
    """

    frame_index: int
    obj_id: int
    prompt: Prompt
    replace: bool = True


@dataclass(frozen=True)
class VideoFrameResult:
    """One object on one frame. rle / bbox_xywh are None and area 0 when occluded.

    score: 1 - uncertainty.combined (None when undefined); flags: see ``video_review``.
    """

    frame_index: int
    obj_id: int
    class_id: int | None
    rle: dict[str, Any] | None
    bbox_xywh: tuple[float, float, float, float] | None
    area: float
    occluded: bool
    object_score_logit: float
    predicted_iou: float | None
    uncertainty: Uncertainty
    flags: tuple[str, ...]
    backend: str
    model_id: str

    @property
    def score(self) -> float | None:
        """Confidence in [0, 1]: 1 - combined uncertainty, None when that is undefined."""
        combined = self.uncertainty.combined
        return None if combined is None else 1.0 - combined


def video_results_to_frame(results: Sequence[VideoFrameResult]) -> pd.DataFrame:
    """Video pre-labels as rows: frame_index, obj_id, class_id (-1 if none), x, y, w, h, area,
    rle, occluded, score, predicted_iou, uncertainty, flags, backend, model_id.

    Occluded rows have rle and box None (NaN-free: box columns are object dtype then).
    """

    def objects(values: list[Any]) -> pd.Series:
        return pd.Series(values, dtype=object)

    boxes = [r.bbox_xywh for r in results]
    return pd.DataFrame(
        {
            "frame_index": np.array([r.frame_index for r in results], dtype=np.int64),
            "obj_id": np.array([r.obj_id for r in results], dtype=np.int64),
            "class_id": np.array(
                [-1 if r.class_id is None else r.class_id for r in results], dtype=np.int64
            ),
            **{
                name: objects([None if box is None else box[axis] for box in boxes])
                for axis, name in enumerate(("x", "y", "w", "h"))
            },
            "area": np.array([r.area for r in results], dtype=float),
            "rle": objects([r.rle for r in results]),
            "occluded": np.array([r.occluded for r in results], dtype=bool),
            "score": objects([r.score for r in results]),
            "predicted_iou": objects([r.predicted_iou for r in results]),
            "uncertainty": objects([r.uncertainty.combined for r in results]),
            "flags": objects([r.flags for r in results]),
            "backend": objects([r.backend for r in results]),
            "model_id": objects([r.model_id for r in results]),
        }
    )
