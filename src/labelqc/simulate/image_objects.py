"""Ground-truth objects derived deterministically from real photographs.

The segmentation is classical on purpose: it needs no weights, runs in milliseconds on the
scikit-image sample photos and gives the same objects on every machine. It is not meant to be
a good segmenter, only a source of realistic, irregular object shapes, sizes and layouts.

Pipeline (`segment_objects`): grayscale -> Gaussian blur (sigma 1) -> Otsu threshold -> keep the
minority phase as foreground (objects are the rarer pixels) -> morphological opening (disk 2)
-> connected components -> keep components whose pixel area lies in
[min_area_frac, max_area_frac] of the image -> the largest `max_objects`. When fewer than
`_MIN_OTSU_OBJECTS` components survive (flat or single-blob photos such as "retina"), SLIC
superpixels are used instead and the ones that contrast most with the image mean are kept.

Class rule (`classify_shapes`), from the region's ellipse eccentricity and solidity
(area / convex-hull area):
    irregular  solidity < 0.70                      (concave, occluded or ragged shapes)
    round      eccentricity < 0.60                  (axis ratio above 0.8)
    oval       0.60 <= eccentricity < 0.90          (axis ratio 0.44 .. 0.8)
    elongated  eccentricity >= 0.90                 (axis ratio below 0.44)
"round" and "oval" are the confusable pair (adjacent on one continuous axis); "irregular" is the
class whose guideline is ambiguous.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pycocotools import mask as mask_utils
from skimage import color, filters, measure, morphology, segmentation, util

from labelqc.simulate.classes import ELONGATED, IRREGULAR, OVAL, ROUND

_MIN_OTSU_OBJECTS = 3
_SLIC_MAX_SIDE = 384
_OCCLUSION_OVERLAP = 0.10
GOLD_ANNOTATOR_ID = -1

OBJECT_COLUMNS = (
    "item_id",
    "annotator_id",
    "ann_id",
    "class_id",
    "x",
    "y",
    "w",
    "h",
    "area",
    "rle",
    "occluded",
    "truncated",
)


def classify_shapes(eccentricity: np.ndarray, solidity: np.ndarray) -> np.ndarray:
    """Class id per region from ellipse eccentricity and solidity (rule in the module doc).

    Inputs are equal-length float arrays; returns an int64 array of class ids.
    """
    ecc = np.asarray(eccentricity, dtype=float)
    sol = np.asarray(solidity, dtype=float)
    if ecc.shape != sol.shape:
        raise ValueError("eccentricity and solidity must have the same shape")
    classes = np.full(ecc.shape, ELONGATED, dtype=np.int64)
    classes[ecc < 0.90] = OVAL
    classes[ecc < 0.60] = ROUND
    classes[sol < 0.70] = IRREGULAR
    return classes


def _to_gray(image: np.ndarray) -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = color.rgb2gray(arr[..., :3])
    elif arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim != 2:
        raise ValueError(f"image: expected HxW or HxWx{{1,3,4}} array, got shape {arr.shape}")
    if arr.shape[0] < 8 or arr.shape[1] < 8:
        raise ValueError(f"image: at least 8x8 pixels needed, got {arr.shape}")
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    return util.img_as_float(arr)


def _keep_by_area(labels: np.ndarray, min_area: float, max_area: float, limit: int) -> np.ndarray:
    """Relabel to 1..n, largest first, keeping components within the area band."""
    areas = np.bincount(labels.ravel())
    areas[0] = 0
    ids = np.flatnonzero((areas >= min_area) & (areas <= max_area))
    # Stable order: area descending, then label id, so ties never depend on sort internals.
    ids = ids[np.lexsort((ids, -areas[ids]))][:limit]
    lookup = np.zeros(areas.size, dtype=np.int32)
    lookup[ids] = np.arange(1, ids.size + 1, dtype=np.int32)
    return lookup[labels]


def segment_objects(
    image: np.ndarray,
    max_objects: int = 20,
    *,
    min_area_frac: float = 0.0005,
    max_area_frac: float = 0.5,
) -> np.ndarray:
    """Label image (int32, 0 = background, objects 1..n largest first) of a photo's objects."""
    if max_objects < 1:
        raise ValueError(f"max_objects: must be >= 1, got {max_objects}")
    if not 0.0 <= min_area_frac < max_area_frac <= 1.0:
        raise ValueError("min_area_frac/max_area_frac: need 0 <= min < max <= 1")
    gray = _to_gray(image)
    n_pixels = gray.size
    min_area = max(16.0, min_area_frac * n_pixels)
    max_area = max_area_frac * n_pixels
    if float(gray.max()) > float(gray.min()):
        smooth = filters.gaussian(gray, sigma=1.0)
        foreground = smooth > filters.threshold_otsu(smooth)
        if foreground.mean() > 0.5:
            foreground = ~foreground
        foreground = morphology.opening(foreground, morphology.disk(2))
        labels = _keep_by_area(measure.label(foreground), min_area, max_area, max_objects)
        if labels.max() >= _MIN_OTSU_OBJECTS:
            return labels
    return _salient_superpixels(gray, max_objects, min_area, max_area)


def _salient_superpixels(
    gray: np.ndarray, max_objects: int, min_area: float, max_area: float
) -> np.ndarray:
    # SLIC cost grows with pixels: segment a strided copy of large photos and repeat the labels
    # back up, which is exact enough for ground-truth shapes and keeps this in milliseconds.
    step = max(1, int(np.ceil(max(gray.shape) / _SLIC_MAX_SIDE)))
    small = segmentation.slic(
        gray[::step, ::step],
        n_segments=max(4 * max_objects, 16),
        compactness=0.1,
        channel_axis=None,
        start_label=1,
    )
    superpixels = np.repeat(np.repeat(small, step, axis=0), step, axis=1)
    superpixels = superpixels[: gray.shape[0], : gray.shape[1]]
    counts = np.bincount(superpixels.ravel())
    sums = np.bincount(superpixels.ravel(), weights=gray.ravel())
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    contrast = np.abs(means - gray.mean())
    contrast[(counts < min_area) | (counts > max_area)] = -1.0
    contrast[0] = -1.0
    ranked = np.lexsort((np.arange(contrast.size), -contrast))
    ranked = ranked[contrast[ranked] >= 0][:max_objects]
    lookup = np.zeros(counts.size, dtype=np.int32)
    lookup[ranked] = np.arange(1, ranked.size + 1, dtype=np.int32)
    return lookup[superpixels]


def _encode_masks(labels: np.ndarray, label_ids: np.ndarray) -> list[dict]:
    """COCO RLE per label id, with counts as str so the dicts are JSON-ready."""
    if label_ids.size == 0:
        return []
    # (n, w, h) in C order is (h, w, n) in Fortran order once transposed: no copy for encode.
    columns_first = np.ascontiguousarray(labels.T)
    stack = (label_ids[:, None, None] == columns_first[None, :, :]).view(np.uint8)
    encoded = mask_utils.encode(stack.T)
    return [
        {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode("ascii")}
        for r in encoded
    ]


def _occluded_flags(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """True where another box covers more than 10% of this box (pairwise, n is small)."""
    ix = np.minimum((x + w)[:, None], (x + w)[None, :]) - np.maximum(x[:, None], x[None, :])
    iy = np.minimum((y + h)[:, None], (y + h)[None, :]) - np.maximum(y[:, None], y[None, :])
    inter = np.clip(ix, 0, None) * np.clip(iy, 0, None)
    np.fill_diagonal(inter, 0.0)
    own = np.maximum(w * h, 1e-9)
    return (inter.max(axis=1, initial=0.0) / own) > _OCCLUSION_OVERLAP


def objects_from_labels(
    labels: np.ndarray,
    *,
    item_id: int = 0,
    class_by_label: np.ndarray | None = None,
    full_area_by_label: np.ndarray | None = None,
    min_visible_frac: float = 0.4,
) -> pd.DataFrame:
    """Object rows (canonical gold columns) for the labelled regions of one item.

    `class_by_label[k]` / `full_area_by_label[k]` give the class and uncropped pixel area of
    label k when `labels` is a crop of a larger label image: objects whose visible area is below
    `min_visible_frac` of the full area are dropped, the others keep their full-object class.
    Without them the class comes from `classify_shapes` on the visible region. truncated = the
    box touches the item border; occluded = another box covers > 10% of this one.
    """
    height, width = labels.shape
    # Shape descriptors (convex hulls) are the slow part; crops reuse the full object's class.
    wanted = ("label", "bbox", "area")
    if class_by_label is None:
        wanted += ("eccentricity", "solidity")
    props = measure.regionprops_table(labels, properties=wanted)
    label_ids = np.asarray(props["label"], dtype=np.int64)
    area = np.asarray(props["area"], dtype=float)
    if class_by_label is None:
        class_id = classify_shapes(props["eccentricity"], props["solidity"])
        keep = np.ones(label_ids.size, dtype=bool)
    else:
        class_id = np.asarray(class_by_label, dtype=np.int64)[label_ids]
        full = np.asarray(full_area_by_label, dtype=float)[label_ids]
        keep = area >= min_visible_frac * full
    label_ids, area, class_id = label_ids[keep], area[keep], class_id[keep]
    y0 = np.asarray(props["bbox-0"], dtype=float)[keep]
    x0 = np.asarray(props["bbox-1"], dtype=float)[keep]
    y1 = np.asarray(props["bbox-2"], dtype=float)[keep]
    x1 = np.asarray(props["bbox-3"], dtype=float)[keep]
    w, h = x1 - x0, y1 - y0
    truncated = (x0 <= 0) | (y0 <= 0) | (x1 >= width) | (y1 >= height)
    return pd.DataFrame(
        {
            "item_id": np.full(label_ids.size, item_id, dtype=np.int64),
            "annotator_id": np.full(label_ids.size, GOLD_ANNOTATOR_ID, dtype=np.int64),
            "ann_id": np.arange(1, label_ids.size + 1, dtype=np.int64),
            "class_id": class_id,
            "x": x0,
            "y": y0,
            "w": w,
            "h": h,
            "area": area,
            "rle": pd.Series(_encode_masks(labels, label_ids), dtype=object),
            "occluded": _occluded_flags(x0, y0, w, h),
            "truncated": truncated,
        },
        columns=list(OBJECT_COLUMNS),
    )


def objects_from_image(
    image: np.ndarray,
    max_objects: int = 20,
    *,
    item_id: int = 0,
    min_area_frac: float = 0.0005,
    max_area_frac: float = 0.5,
) -> pd.DataFrame:
    """Ground-truth objects of a real photo, deterministically (pipeline in the module doc).

    Input: an HxW or HxWxC (C in 1, 3, 4) array of any numeric or bool dtype.
    Output: one row per object, columns item_id, annotator_id (-1), ann_id (1..n, largest
    object first), class_id (`classify_shapes`), x, y, w, h (pixel box xywh, in bounds), area
    (mask pixels), rle (COCO RLE dict, counts as str), occluded, truncated.
    """
    labels = segment_objects(
        image, max_objects, min_area_frac=min_area_frac, max_area_frac=max_area_frac
    )
    return objects_from_labels(labels, item_id=item_id)


def crop_items_from_images(
    images: Sequence[np.ndarray],
    n_items: int,
    rng: np.random.Generator,
    *,
    image_names: Sequence[str] | None = None,
    max_objects: int = 20,
    first_item_id: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n_items` items cut from real photos, with ground truth; returns (items, objects).

    Item i uses photo i mod len(images): the first pass over the photos takes them whole, later
    passes take a random crop (60-95% of each side) mirrored left-right with probability 1/2, so
    the same photo yields different items with partly visible (truncated) objects. Each photo is
    segmented once. items has item_id, width, height, scene_tags (("photo", name),), source_image.
    """
    if len(images) == 0:
        raise ValueError("images: at least one image is needed")
    names = (
        list(image_names) if image_names is not None else [f"image{i}" for i in range(len(images))]
    )
    if len(names) != len(images):
        raise ValueError("image_names: must have one name per image")
    segmented = []
    for image in images:
        labels = segment_objects(image, max_objects)
        base = objects_from_labels(labels)
        n_labels = int(labels.max()) + 1
        class_by_label = np.zeros(n_labels, dtype=np.int64)
        class_by_label[1 : base.shape[0] + 1] = base["class_id"].to_numpy()
        full_area = np.ones(n_labels, dtype=float)
        full_area[1 : base.shape[0] + 1] = base["area"].to_numpy()
        segmented.append((labels, class_by_label, full_area))

    item_rows, object_frames = [], []
    for offset in range(n_items):
        source = offset % len(images)
        labels, class_by_label, full_area = segmented[source]
        top = left = 0
        flipped = False
        if offset >= len(images):
            height, width = labels.shape
            crop_h = max(8, round(height * rng.uniform(0.6, 0.95)))
            crop_w = max(8, round(width * rng.uniform(0.6, 0.95)))
            top = int(rng.integers(0, height - crop_h + 1))
            left = int(rng.integers(0, width - crop_w + 1))
            labels = labels[top : top + crop_h, left : left + crop_w]
            if rng.random() < 0.5:
                labels = labels[:, ::-1]
                flipped = True
            labels = np.ascontiguousarray(labels)
        item_id = first_item_id + offset
        objects = objects_from_labels(
            labels, item_id=item_id, class_by_label=class_by_label, full_area_by_label=full_area
        )
        object_frames.append(objects)
        item_rows.append(
            {
                "item_id": item_id,
                "width": int(labels.shape[1]),
                "height": int(labels.shape[0]),
                "scene_tags": ("photo", names[source]),
                "source_image": names[source],
                # Where the item's pixels come from: photo[top:top+h, left:left+w], mirrored if flipped.
                "crop_top": top,
                "crop_left": left,
                "flipped": flipped,
            }
        )
    items = pd.DataFrame(
        item_rows,
        columns=[
            "item_id",
            "width",
            "height",
            "scene_tags",
            "source_image",
            "crop_top",
            "crop_left",
            "flipped",
        ],
    )
    objects = pd.concat(object_frames, ignore_index=True)
    return items, objects
