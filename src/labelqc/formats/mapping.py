"""Bridges between an imported Dataset and the project: taxonomy, items and canonical frames."""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from labelqc.formats.errors import FormatError, ProblemCollector
from labelqc.formats.masks import coco_rle_area, polygon_to_coco_rle
from labelqc.formats.model import Annotation, Dataset, ImageRecord

IMAGE_KEYS = ("file_name", "basename", "sha256")


def map_categories(
    names: Iterable[str],
    taxonomy: Mapping[str, int],
    *,
    create_missing: bool = False,
) -> dict[str, int]:
    """Class ids for category names, from the project taxonomy ``{name: class_id}``.

    Unknown names raise one FormatError listing all of them, or, with
    ``create_missing=True``, get new ids after the largest existing one (in first-seen
    order). Returns ``{name: class_id}`` for every name given.
    """
    result: dict[str, int] = {}
    unknown: list[str] = []
    for name in names:
        if name in result or name in unknown:
            continue
        if name in taxonomy:
            result[name] = int(taxonomy[name])
        else:
            unknown.append(name)
    if unknown and not create_missing:
        problems = ProblemCollector("<taxonomy>")
        for name in unknown:
            problems.add(f"category {name!r}", "category", "not in the project taxonomy")
        problems.raise_if_any()
    next_id = max([*taxonomy.values(), -1]) + 1
    for offset, name in enumerate(unknown):
        result[name] = next_id + offset
    return result


def map_images(
    images: Dataset | Iterable[ImageRecord],
    items: Mapping[str, int] | pd.DataFrame,
    *,
    by: str = "file_name",
    missing: str = "error",
) -> dict[str, int]:
    """Item ids for images, matched by file name, base name or SHA-256.

    ``items`` is ``{key: item_id}`` or a DataFrame with ``item_id`` and a ``file_name`` (for
    ``by="file_name"``/``"basename"``) or ``sha256`` column. ``by="basename"`` compares the
    last path parts only. Returns ``{image file_name: item_id}``; unmatched images raise a
    FormatError listing them all (``missing="error"``) or are left out (``"skip"``).
    """
    if by not in IMAGE_KEYS:
        raise ValueError(f"by must be one of {IMAGE_KEYS}")
    if missing not in ("error", "skip"):
        raise ValueError("missing must be 'error' or 'skip'")
    records = images.images if isinstance(images, Dataset) else tuple(images)
    if isinstance(items, pd.DataFrame):
        column = "sha256" if by == "sha256" else "file_name"
        if column not in items.columns or "item_id" not in items.columns:
            raise ValueError(f"items needs 'item_id' and '{column}' columns")
        lookup = dict(zip(items[column].astype(str), items["item_id"].astype(int), strict=True))
    else:
        lookup = {str(k): int(v) for k, v in items.items()}
    if by == "basename":
        based: dict[str, int] = {}
        ambiguous: set[str] = set()
        for key, item_id in lookup.items():
            base = posixpath.basename(key)
            if base in based and based[base] != item_id:
                ambiguous.add(base)
            based[base] = item_id
        lookup = {k: v for k, v in based.items() if k not in ambiguous}
    result: dict[str, int] = {}
    problems = ProblemCollector("<items>")
    for image in records:
        key = {
            "file_name": image.file_name,
            "basename": posixpath.basename(image.file_name),
            "sha256": image.sha256 or "",
        }[by]
        if key in lookup:
            result[image.file_name] = lookup[key]
        elif missing == "error":
            problems.add(f"image {image.file_name!r}", by, f"no item with {by} {key!r}")
    problems.raise_if_any()
    return result


def attach_sha256(dataset: Dataset, contents: Mapping[str, bytes]) -> Dataset:
    """The dataset with each image's ``sha256`` set from its bytes (``{file_name: bytes}``)."""
    images = tuple(
        dataclasses.replace(image, sha256=hashlib.sha256(contents[image.file_name]).hexdigest())
        if image.file_name in contents
        else image
        for image in dataset.images
    )
    return dataclasses.replace(dataset, images=images)


def split_by_annotator(dataset: Dataset) -> dict[str | None, Dataset]:
    """One dataset per annotator (None for unattributed work), each with every image."""
    groups: dict[str | None, list[Annotation]] = {}
    for ann in dataset.annotations:
        groups.setdefault(ann.annotator, []).append(ann)
    return {
        annotator: dataclasses.replace(dataset, annotations=tuple(anns))
        for annotator, anns in groups.items()
    }


def merge_datasets(*datasets: Dataset) -> Dataset:
    """Union of datasets (e.g. COCO train + val): images by file name, categories in order.

    An image present in several datasets must have the same size in each.
    """
    images: dict[str, ImageRecord] = {}
    problems = ProblemCollector("<merge>")
    for index, dataset in enumerate(datasets):
        for image in dataset.images:
            known = images.setdefault(image.file_name, image)
            if (known.width, known.height) != (image.width, image.height):
                problems.add(
                    f"datasets[{index}] image {image.file_name!r}",
                    "width/height",
                    "differs from an earlier dataset",
                )
    problems.raise_if_any()
    categories = dict.fromkeys(c for d in datasets for c in d.categories)
    return Dataset(
        images=tuple(images.values()),
        categories=tuple(categories),
        annotations=tuple(a for d in datasets for a in d.annotations),
        notes=tuple(n for d in datasets for n in d.notes),
    )


def to_annotation_frame(
    dataset: Dataset,
    *,
    item_ids: Mapping[str, int],
    class_ids: Mapping[str, int],
    annotator_ids: Mapping[str | None, int],
) -> pd.DataFrame:
    """Canonical annotations frame for the object annotations (tags are left out).

    Columns: item_id, annotator_id, class_id, x, y, w, h (pixel box), area (pixels: w*h for
    boxes, the rasterised pixel count for polygons and masks), rle (COCO RLE dict for
    polygons and masks, else None), occluded, truncated (bool, False when absent), score
    (nullable Float64, <NA> when absent), source. ``item_ids`` maps image file names,
    ``class_ids`` category names, ``annotator_ids`` annotator names (None included when there
    is unattributed work). Unmapped keys raise one FormatError listing them all.
    """
    objects = [a for a in dataset.annotations if a.geometry != "tag"]
    images = dataset.image_index()
    raw = pd.DataFrame(
        {
            "image": [a.image for a in objects],
            "category": [a.category for a in objects],
            "annotator": pd.Series([a.annotator for a in objects], dtype=object),
        }
    )
    problems = ProblemCollector("<frame>")
    mapped = {}
    for column, target, mapping in (
        ("image", "item_id", item_ids),
        ("category", "class_id", class_ids),
        ("annotator", "annotator_id", annotator_ids),
    ):
        keys = raw[column].tolist()
        values = [mapping.get(k) for k in keys]
        for key in sorted({repr(k) for k, v in zip(keys, values, strict=True) if v is None}):
            problems.add(f"{column} {key}", target, "has no id in the mapping given")
        mapped[target] = values
    problems.raise_if_any()
    boxes = np.asarray([a.box for a in objects], dtype=float).reshape(-1, 4)
    rles = [_object_rle(a, images[a.image]) for a in objects]
    area = [
        coco_rle_area(rle) if rle is not None else float(box[2] * box[3])
        for rle, box in zip(rles, boxes, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "item_id": np.asarray(mapped["item_id"], dtype=np.int64),
            "annotator_id": np.asarray(mapped["annotator_id"], dtype=np.int64),
            "class_id": np.asarray(mapped["class_id"], dtype=np.int64),
            "x": boxes[:, 0],
            "y": boxes[:, 1],
            "w": boxes[:, 2],
            "h": boxes[:, 3],
            "area": np.asarray(area, dtype=float),
            "rle": pd.Series(rles, dtype=object),
            "occluded": np.asarray([bool(a.attributes.get("occluded")) for a in objects], bool),
            "truncated": np.asarray([bool(a.attributes.get("truncated")) for a in objects], bool),
            "score": pd.array([a.score for a in objects], dtype="Float64"),
            "source": pd.Series([a.source for a in objects], dtype=object),
        }
    )
    return frame


def _object_rle(ann: Annotation, image: ImageRecord) -> dict[str, Any] | None:
    if ann.geometry == "mask":
        return dict(ann.mask) if ann.mask is not None else None
    if ann.geometry == "polygon" and ann.polygon and image.width and image.height:
        return polygon_to_coco_rle(ann.polygon, image.height, image.width)
    return None


def dataset_from_frames(
    annotations: pd.DataFrame,
    items: pd.DataFrame,
    *,
    class_names: Mapping[int, str],
    annotator_names: Mapping[int, str] | None = None,
) -> Dataset:
    """A Dataset from canonical frames, for export.

    ``items`` needs item_id, file_name, width, height; ``annotations`` needs item_id,
    annotator_id, class_id, x, y, w, h and may have rle (a COCO RLE makes a mask annotation),
    score, source, occluded, truncated, ann_id. Annotators are named by ``annotator_names``
    (else their id as text); id -1 (gold) without a name becomes None. Categories are
    ``class_names`` in id order.
    """
    for column in ("item_id", "file_name", "width", "height"):
        if column not in items.columns:
            raise FormatError("<items>", "items", column, "missing column")
    for column in ("item_id", "annotator_id", "class_id", "x", "y", "w", "h"):
        if column not in annotations.columns:
            raise FormatError("<annotations>", "annotations", column, "missing column")
    names = dict(annotator_names or {})
    file_by_item = dict(
        zip(items["item_id"].astype(int), items["file_name"].astype(str), strict=True)
    )
    images = tuple(
        ImageRecord(file_name=str(f), width=int(w), height=int(h), image_id=int(i))
        for i, f, w, h in zip(
            items["item_id"], items["file_name"], items["width"], items["height"], strict=True
        )
    )
    records = annotations.to_dict("records")
    out = []
    for row in records:
        rle = row.get("rle")
        annotator_id = int(row["annotator_id"])
        annotator = names.get(annotator_id, None if annotator_id == -1 else str(annotator_id))
        score = row.get("score")
        attributes = {
            k: bool(row[k]) for k in ("occluded", "truncated") if k in row and bool(row[k])
        }
        is_mask = isinstance(rle, dict)
        out.append(
            Annotation(
                image=file_by_item[int(row["item_id"])],
                category=class_names[int(row["class_id"])],
                geometry="mask" if is_mask else "box",
                box=(row["x"], row["y"], row["w"], row["h"]),
                mask=dict(rle) if is_mask else None,
                annotator=annotator,
                source=row.get("source") or "human",
                score=None if score is None or pd.isna(score) else float(score),
                attributes=attributes,
                ann_id=int(row["ann_id"])
                if "ann_id" in row and not pd.isna(row["ann_id"])
                else None,
            )
        )
    return Dataset(
        images=images,
        categories=tuple(class_names[k] for k in sorted(class_names)),
        annotations=tuple(out),
    )
