"""Synthetic ground truth at scale: items with boxes of the shape classes, fully vectorized.

Per item: a scene density (sparse 1-3, medium 4-12, dense 13-40 objects), an image size and an
environment tag. Per object: a class, a size (sqrt of box area, lognormal), an aspect ratio that
depends on the class (round about 1, oval 1.3-1.9, elongated 2.5-5, irregular 0.6-1.7, each
oriented either way) and a centre uniform over the image. Boxes cut by the border are clipped
and flagged truncated; a box that would keep under 40% of its area is moved inside instead.
Occlusion is drawn with a probability that grows with density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.simulate.classes import CLASS_NAMES, ELONGATED, IRREGULAR, OVAL, ROUND
from labelqc.simulate.image_objects import GOLD_ANNOTATOR_ID, OBJECT_COLUMNS

DENSITY_TAGS: tuple[str, str, str] = ("sparse", "medium", "dense")
_MIN_VISIBLE_FRAC = 0.4

# (low, high) of the long/short side ratio per class; see the module doc.
_ASPECT_RANGE: dict[int, tuple[float, float]] = {
    ROUND: (1.0, 1.18),
    OVAL: (1.3, 1.9),
    ELONGATED: (2.5, 5.0),
    IRREGULAR: (1.0, 1.7),
}


@dataclass(frozen=True)
class SceneSpec:
    """Distribution of synthetic scenes.

    image_sizes: (width, height) choices, drawn uniformly.
    density_weights / density_ranges: probability and inclusive object-count range of the
        sparse / medium / dense scene kinds.
    size_median_px / size_sigma: lognormal sqrt(box area): median in pixels, sigma of the log.
    class_weights: probability of each class id 0..n-1.
    occlusion_prob: probability an object is occluded, per density kind.
    environments: tags drawn uniformly, added to scene_tags next to the density tag.
    """

    image_sizes: tuple[tuple[int, int], ...] = ((640, 480), (1280, 720), (1920, 1080))
    density_weights: tuple[float, float, float] = (0.3, 0.5, 0.2)
    density_ranges: tuple[tuple[int, int], ...] = ((1, 3), (4, 12), (13, 40))
    size_median_px: float = 56.0
    size_sigma: float = 0.8
    class_weights: tuple[float, ...] = (0.35, 0.30, 0.20, 0.15)
    occlusion_prob: tuple[float, float, float] = (0.05, 0.15, 0.35)
    environments: tuple[str, ...] = ("outdoor", "indoor")

    def __post_init__(self) -> None:
        if not self.image_sizes or any(w < 16 or h < 16 for w, h in self.image_sizes):
            raise ValueError("image_sizes: need at least one (width, height), each >= 16")
        if len(self.density_weights) != 3 or len(self.density_ranges) != 3:
            raise ValueError("density_weights/density_ranges: need exactly 3 entries")
        if any(lo < 1 or hi < lo for lo, hi in self.density_ranges):
            raise ValueError("density_ranges: each (low, high) needs 1 <= low <= high")
        if len(self.class_weights) != len(CLASS_NAMES) or min(self.class_weights) < 0:
            raise ValueError(f"class_weights: need {len(CLASS_NAMES)} non-negative weights")
        if self.size_median_px <= 0 or self.size_sigma < 0:
            raise ValueError("size_median_px must be > 0 and size_sigma >= 0")


@dataclass(frozen=True)
class GroundTruth:
    """Items and their true objects (canonical gold columns, annotator_id -1)."""

    items: pd.DataFrame
    objects: pd.DataFrame


def _normalised(weights: tuple[float, ...]) -> np.ndarray:
    arr = np.asarray(weights, dtype=float)
    if arr.sum() <= 0:
        raise ValueError("weights: must not all be zero")
    return arr / arr.sum()


def synthetic_objects(
    n_items: int,
    rng: np.random.Generator,
    scene: SceneSpec | None = None,
    *,
    first_item_id: int = 1,
) -> GroundTruth:
    """Synthetic items and ground-truth boxes (see the module doc for the scene model).

    Returns GroundTruth(items, objects): items has item_id (first_item_id..), width, height,
    scene_tags (density, environment); objects has the canonical gold columns with rle None and
    ann_id numbered 1..n over the whole set, rows sorted by item_id.
    """
    if n_items < 0:
        raise ValueError(f"n_items: must be >= 0, got {n_items}")
    scene = scene or SceneSpec()
    sizes = np.asarray(scene.image_sizes, dtype=np.int64)
    size_pick = rng.integers(0, sizes.shape[0], n_items)
    width, height = sizes[size_pick, 0], sizes[size_pick, 1]
    density = rng.choice(3, size=n_items, p=_normalised(scene.density_weights))
    ranges = np.asarray(scene.density_ranges, dtype=np.int64)
    counts = rng.integers(ranges[density, 0], ranges[density, 1] + 1)
    environment = rng.integers(0, len(scene.environments), n_items)
    item_ids = np.arange(first_item_id, first_item_id + n_items, dtype=np.int64)
    # One shared tuple per (density, environment) pair, picked by fancy indexing.
    tag_table = np.empty((len(DENSITY_TAGS), len(scene.environments)), dtype=object)
    for d_index, d_tag in enumerate(DENSITY_TAGS):
        for e_index, e_tag in enumerate(scene.environments):
            tag_table[d_index, e_index] = (d_tag, e_tag)
    scene_tags = pd.Series(tag_table[density, environment], dtype=object)
    items = pd.DataFrame(
        {"item_id": item_ids, "width": width, "height": height, "scene_tags": scene_tags}
    )

    owner = np.repeat(np.arange(n_items), counts)
    n_obj = owner.size
    img_w, img_h = width[owner].astype(float), height[owner].astype(float)
    class_id = rng.choice(len(CLASS_NAMES), size=n_obj, p=_normalised(scene.class_weights))
    lows = np.array([_ASPECT_RANGE[c][0] for c in sorted(_ASPECT_RANGE)])
    highs = np.array([_ASPECT_RANGE[c][1] for c in sorted(_ASPECT_RANGE)])
    ratio = rng.uniform(lows[class_id], highs[class_id])
    ratio = np.where(rng.random(n_obj) < 0.5, ratio, 1.0 / ratio)
    side = scene.size_median_px * np.exp(scene.size_sigma * rng.standard_normal(n_obj))
    w = np.clip(side * np.sqrt(ratio), 4.0, 0.9 * img_w)
    h = np.clip(side / np.sqrt(ratio), 4.0, 0.9 * img_h)
    cx = rng.uniform(0.0, img_w)
    cy = rng.uniform(0.0, img_h)
    x0, y0 = np.clip(cx - w / 2, 0, img_w), np.clip(cy - h / 2, 0, img_h)
    x1, y1 = np.clip(cx + w / 2, 0, img_w), np.clip(cy + h / 2, 0, img_h)
    mostly_hidden = (x1 - x0) * (y1 - y0) < _MIN_VISIBLE_FRAC * w * h
    cx = np.where(mostly_hidden, np.clip(cx, w / 2, img_w - w / 2), cx)
    cy = np.where(mostly_hidden, np.clip(cy, h / 2, img_h - h / 2), cy)
    x0, y0 = np.clip(cx - w / 2, 0, img_w), np.clip(cy - h / 2, 0, img_h)
    x1, y1 = np.clip(cx + w / 2, 0, img_w), np.clip(cy + h / 2, 0, img_h)
    truncated = (x1 - x0 < w - 1e-9) | (y1 - y0 < h - 1e-9)
    occluded = rng.random(n_obj) < np.asarray(scene.occlusion_prob, dtype=float)[density[owner]]
    objects = pd.DataFrame(
        {
            "item_id": item_ids[owner],
            "annotator_id": np.full(n_obj, GOLD_ANNOTATOR_ID, dtype=np.int64),
            "ann_id": np.arange(1, n_obj + 1, dtype=np.int64),
            "class_id": class_id.astype(np.int64),
            "x": x0,
            "y": y0,
            "w": x1 - x0,
            "h": y1 - y0,
            "area": (x1 - x0) * (y1 - y0),
            "rle": np.full(n_obj, None, dtype=object),
            "occluded": occluded,
            "truncated": truncated,
        },
        columns=list(OBJECT_COLUMNS),
        copy=False,
    )
    return GroundTruth(items=items, objects=objects)
