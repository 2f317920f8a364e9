"""A simulated object detector: the "AI draft" boxes a program imports before humans label.

Drafts are derived from the ground truth with the faults real detectors have: small objects are
missed more often than large ones, box edges are off by a share of the object's size, some boxes
carry the wrong class, and a few boxes have no object under them. The score is what a detector
reports, high for good boxes and low for bad ones: the IoU of the draft with its true object plus
a little noise (a confusion costs a further 0.2), and 0.1-0.45 for a box on background. Seeded
and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.geometry.boxes import box_iou_pairs
from labelqc.simulate.classes import SMALL_AREA

COLUMNS = ("item_id", "class_id", "x", "y", "w", "h", "score", "ann_id")


@dataclass(frozen=True)
class DetectorSpec:
    model_id: str = "demo-detector-v1"
    miss_small: float = 0.35  # chance to miss an object smaller than SMALL_AREA
    miss_large: float = 0.04
    edge_jitter: float = 0.05  # standard deviation of each box edge, as a share of its side
    confusion: float = 0.06  # chance that a box carries another class
    false_positives_per_item: float = 0.4  # mean number of boxes on background per item
    score_noise: float = 0.05
    # A standalone call's seed; in a program the drafts' stream is spawned from the program's
    # seed and this one together (see simulate_program).
    seed: int = 11

    def __post_init__(self) -> None:
        for name in ("miss_small", "miss_large", "confusion"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: expected a probability in [0, 1], got {value!r}")
        for name in ("edge_jitter", "false_positives_per_item", "score_noise"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}: expected >= 0, got {getattr(self, name)!r}")
        if self.seed < 0:
            raise ValueError(f"seed: expected >= 0, got {self.seed!r}")


def simulate_detector(
    truth: pd.DataFrame,
    items: pd.DataFrame,
    class_ids: Sequence[int],
    spec: DetectorSpec | None = None,
    *,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draft boxes for ``items`` (item_id, width, height) from ``truth`` (item_id, class_id, x, y,
    w, h, ann_id), with classes from ``class_ids``. Columns: item_id, class_id, x, y, w, h,
    score and ann_id (the true object a draft comes from, -1 for a box on background), sorted
    by item.

    rng: the stream to draw from; None = a fresh one from ``spec.seed``. A program passes its
    own spawned stream so that its drafts follow the program's seed.
    """
    spec = spec or DetectorSpec()
    known = np.unique(np.asarray(class_ids, dtype=np.int64))
    if len(known) == 0:
        raise ValueError("class_ids: expected at least one class")
    unknown = {int(c) for c in truth["class_id"].unique()} - set(known.tolist())
    if unknown:
        raise ValueError(f"truth.class_id: {sorted(unknown)} are not in class_ids")
    rng = np.random.default_rng(spec.seed) if rng is None else rng
    size = items.set_index("item_id")[["width", "height"]].astype(np.float64)
    found = _found(truth, spec, rng)
    boxes = _jittered(found, size, spec, rng)
    true_boxes = found[["x", "y", "w", "h"]].to_numpy(np.float64)
    iou = box_iou_pairs(boxes, true_boxes)
    classes = found["class_id"].to_numpy(np.int64)
    confused = (rng.random(len(found)) < spec.confusion) & (len(known) > 1)
    if confused.any():  # another class: a shift of 1..n-1 places among the known ones
        shift = rng.integers(1, max(len(known), 2), size=int(confused.sum()))
        position = np.searchsorted(known, classes[confused])
        classes[confused] = known[(position + shift) % len(known)]
    score = iou + rng.normal(0.0, spec.score_noise, len(found)) - 0.2 * confused
    drafts = pd.DataFrame(
        {
            "item_id": found["item_id"].to_numpy(np.int64),
            "class_id": classes,
            "x": boxes[:, 0],
            "y": boxes[:, 1],
            "w": boxes[:, 2],
            "h": boxes[:, 3],
            "score": np.clip(score, 0.05, 0.99),
            "ann_id": found["ann_id"].to_numpy(np.int64),
        }
    )
    background = _false_positives(size, known, spec, rng)
    out = pd.concat([drafts, background], ignore_index=True)
    return out.sort_values(["item_id", "ann_id"], kind="stable").reset_index(drop=True)[
        list(COLUMNS)
    ]


def _found(truth: pd.DataFrame, spec: DetectorSpec, rng: np.random.Generator) -> pd.DataFrame:
    area = truth["w"].to_numpy(np.float64) * truth["h"].to_numpy(np.float64)
    miss = np.where(area < SMALL_AREA, spec.miss_small, spec.miss_large)
    return truth[rng.random(len(truth)) >= miss].reset_index(drop=True)


def _jittered(
    found: pd.DataFrame, size: pd.DataFrame, spec: DetectorSpec, rng: np.random.Generator
) -> np.ndarray:
    """Each edge moved by a share of its side, then clipped to the image (at least 1 px)."""
    x, y, w, h = (found[c].to_numpy(np.float64) for c in ("x", "y", "w", "h"))
    noise = rng.normal(0.0, spec.edge_jitter, (len(found), 4))
    left, right = x + noise[:, 0] * w, x + w + noise[:, 1] * w
    top, bottom = y + noise[:, 2] * h, y + h + noise[:, 3] * h
    item_size = size.loc[found["item_id"]].to_numpy()
    width, height = item_size[:, 0], item_size[:, 1]
    left = np.clip(np.minimum(left, right - 1.0), 0.0, width - 1.0)
    top = np.clip(np.minimum(top, bottom - 1.0), 0.0, height - 1.0)
    right = np.clip(np.maximum(right, left + 1.0), left + 1.0, width)
    bottom = np.clip(np.maximum(bottom, top + 1.0), top + 1.0, height)
    return np.round(np.column_stack([left, top, right - left, bottom - top]), 1)


def _false_positives(
    size: pd.DataFrame, known: np.ndarray, spec: DetectorSpec, rng: np.random.Generator
) -> pd.DataFrame:
    counts = rng.poisson(spec.false_positives_per_item, len(size))
    item_ids = np.repeat(size.index.to_numpy(np.int64), counts)
    width = np.repeat(size["width"].to_numpy(), counts)
    height = np.repeat(size["height"].to_numpy(), counts)
    n = len(item_ids)
    w = np.maximum(1.0, np.round(width * rng.uniform(0.05, 0.25, n), 1))
    h = np.maximum(1.0, np.round(height * rng.uniform(0.05, 0.25, n), 1))
    return pd.DataFrame(
        {
            "item_id": item_ids,
            "class_id": known[rng.integers(0, len(known), n)],
            "x": np.round(rng.uniform(0.0, 1.0, n) * (width - w), 1),
            "y": np.round(rng.uniform(0.0, 1.0, n) * (height - h), 1),
            "w": w,
            "h": h,
            "score": rng.uniform(0.1, 0.45, n),
            "ann_id": np.full(n, -1, dtype=np.int64),
        }
    )
