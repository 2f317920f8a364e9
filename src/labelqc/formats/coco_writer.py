"""COCO instances JSON writer (see :mod:`labelqc.formats.coco` for the conventions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labelqc.formats.coco import ANNOTATOR_KEY, SOURCE_KEY, is_int
from labelqc.formats.errors import ProblemCollector
from labelqc.formats.masks import coco_rle_area
from labelqc.formats.model import Annotation, Dataset, polygon_area, unsupported_geometry


def write_coco(
    dataset: Dataset,
    *,
    unsupported: str = "error",
    indent: int | None = None,
) -> bytes:
    """Write a COCO instances JSON document (UTF-8 bytes).

    Categories get ids 1..N in dataset order; images keep their integer ``image_id`` when all
    are unique integers (else 1..N), annotations likewise. Boxes write ``segmentation: []``,
    polygons their rings, masks a compressed RLE. ``area`` is w*h for boxes, the shoelace
    area for polygons and the pixel count for masks. Tags cannot be written: they raise
    (``unsupported="error"``) or are left out (``"drop"``). Every image needs a size.
    """
    kept = unsupported_geometry(dataset, ("box", "polygon", "mask"), "<coco output>", unsupported)
    problems = ProblemCollector("<coco output>")
    image_ids = _output_ids([image.image_id for image in dataset.images])
    image_id_by_name = {image.file_name: image_ids[i] for i, image in enumerate(dataset.images)}
    category_ids = {name: i + 1 for i, name in enumerate(dataset.categories)}
    images_out = []
    for index, image in enumerate(dataset.images):
        if image.width is None or image.height is None:
            problems.add(f"images[{index}] ({image.file_name})", "width", "COCO needs image sizes")
            continue
        entry: dict[str, Any] = {
            "id": image_ids[index],
            "file_name": image.file_name,
            "width": image.width,
            "height": image.height,
        }
        if image.sha256:
            entry["sha256"] = image.sha256
        images_out.append(entry)
    problems.raise_if_any()

    ann_ids = _output_ids([ann.ann_id for ann in kept])
    annotations_out = [
        _annotation_entry(ann, ann_ids[i], image_id_by_name, category_ids)
        for i, ann in enumerate(kept)
    ]
    document = {
        "info": {"description": "exported by labelqc"},
        "licenses": [],
        "categories": [
            {"id": category_ids[name], "name": name, "supercategory": ""}
            for name in dataset.categories
        ],
        "images": images_out,
        "annotations": annotations_out,
    }
    return json.dumps(document, indent=indent).encode("utf-8")


def _output_ids(ids: list[Any]) -> list[Any]:
    """Keep source ids when they are unique positive integers, else number 1..N."""
    if ids and all(is_int(v) and v > 0 for v in ids) and len(set(ids)) == len(ids):
        return list(ids)
    return list(range(1, len(ids) + 1))


def _annotation_entry(
    ann: Annotation,
    ann_id: Any,
    image_id_by_name: Mapping[str, Any],
    category_ids: Mapping[str, int],
) -> dict[str, Any]:
    assert ann.box is not None
    attributes = {k: v for k, v in ann.attributes.items() if k != "iscrowd"}
    if ann.annotator is not None:
        attributes[ANNOTATOR_KEY] = ann.annotator
    if ann.source != "human":
        attributes[SOURCE_KEY] = ann.source
    if ann.geometry == "mask":
        assert ann.mask is not None
        segmentation: Any = {"size": list(ann.mask["size"]), "counts": ann.mask["counts"]}
        area = coco_rle_area(ann.mask)
    elif ann.geometry == "polygon":
        assert ann.polygon is not None
        segmentation = [list(ring) for ring in ann.polygon]
        area = polygon_area(ann.polygon)
    else:
        segmentation = []
        area = ann.box[2] * ann.box[3]
    entry: dict[str, Any] = {
        "id": ann_id,
        "image_id": image_id_by_name[ann.image],
        "category_id": category_ids[ann.category],
        "bbox": list(ann.box),
        "area": area,
        "segmentation": segmentation,
        "iscrowd": int(bool(ann.attributes.get("iscrowd", False))),
    }
    if attributes:
        entry["attributes"] = attributes
    if ann.score is not None:
        entry["score"] = ann.score
    return entry
