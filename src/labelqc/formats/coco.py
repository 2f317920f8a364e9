"""COCO instances JSON reader: boxes, polygons and RLE masks (compressed or uncompressed), iscrowd.

Annotator identity, the prelabel marker and other extras live in each annotation's
``"attributes"`` object (``{"annotator": "ann1", "source": "prelabel", "occluded": true}``),
the place datumaro's COCO reader and writer use for per-annotation attributes. ``score`` is
the standard results field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

import json_stream
from json_stream.base import StreamingJSONList, StreamingJSONObject

from labelqc.formats._io import (
    DEFAULT_MAX_BYTES,
    DOCUMENT,
    Progress,
    ProgressCallback,
    Source,
    is_number,
    iter_streamed_records,
    read_json_source,
)
from labelqc.formats.errors import ProblemCollector
from labelqc.formats.masks import coco_rle_bbox, normalize_coco_rle
from labelqc.formats.model import (
    SOURCE_KINDS,
    Annotation,
    Dataset,
    ImageRecord,
    box_problems,
    polygon_bbox,
    polygon_problems,
)

# Attribute keys that map onto Annotation fields rather than staying in ``attributes``.
ANNOTATOR_KEY = "annotator"
SOURCE_KEY = "source"


def is_int(value: object) -> bool:
    """True for an int that is not a bool (JSON ids and sizes)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _ref(value: object) -> object:
    """A reference usable as a dict key (ids are ints or strings; anything else matches nothing)."""
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def read_coco(
    source: Source | BinaryIO,
    *,
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bounds_tolerance: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """Read a COCO instances JSON file.

    ``source`` is the file's bytes, its text, a path or a binary file object; paths and file
    objects are streamed (memory grows with the records kept, not the file's text). Boxes are COCO ``bbox`` pixels
    ``[x, y, w, h]``; when ``bbox`` is missing it is computed from the segmentation. An empty
    segmentation gives a box annotation, a list of rings a polygon, an RLE dict a mask
    (normalised to compressed counts with pycocotools). Geometry more than
    ``bounds_tolerance`` pixels outside its image is an error. ``progress(done, total)`` is
    called while annotations are read (counting bytes of the file when streamed). Raises
    FormatError listing every problem found.
    """
    return read_json_source(
        source,
        max_bytes=max_bytes,
        name=name,
        read_parsed=lambda document, display: _read_document(
            document, display, bounds_tolerance, progress
        ),
        read_streamed=lambda root, stream, display, size: _read_streamed(
            root, stream, display, size, bounds_tolerance, progress
        ),
    )


def _read_streamed(
    root: Any,
    stream: BinaryIO,
    display: str,
    size: int,
    bounds_tolerance: float,
    progress: ProgressCallback | None,
) -> Dataset:
    """Stream the top-level object, reading annotations one at a time when possible.

    Images and categories are kept (they are needed to check every annotation). When
    ``annotations`` comes after both, each annotation is checked as it is parsed and only the
    Annotation is kept; otherwise the raw annotations are kept and read at the end. Progress
    is in bytes of the file while streaming.
    """
    problems = ProblemCollector(display)
    if not isinstance(root, StreamingJSONObject):
        raise problems.fail(DOCUMENT, "root", "a COCO file is a JSON object")
    document: dict[str, Any] = {}
    streamed: Dataset | None = None
    for key, value in root.items():
        lookups_ready = isinstance(document.get("images"), list) and isinstance(
            document.get("categories"), list
        )
        if key == "annotations" and isinstance(value, StreamingJSONList) and lookups_ready:
            streamed = _stream_annotations(
                value, document, stream, size, bounds_tolerance, problems, progress
            )
            document[key] = []
        else:
            document[key] = json_stream.to_standard_types(value)
    if streamed is None:
        return _read_document(document, display, bounds_tolerance, progress)
    return streamed


def _stream_annotations(
    raw_annotations: Iterable[Any],
    document: dict[str, Any],
    stream: BinaryIO,
    size: int,
    bounds_tolerance: float,
    problems: ProblemCollector,
    progress: ProgressCallback | None,
) -> Dataset:
    category_names = _read_categories(document["categories"], problems)
    images, image_by_id = _read_images(document["images"], problems)
    annotations: list[Annotation] = []
    seen_ids: set[Any] = set()
    tracker = Progress(progress, size)
    for index, raw in iter_streamed_records(raw_annotations, stream, tracker, every=1024):
        ann = _read_annotation(
            index, raw, image_by_id, category_names, seen_ids, bounds_tolerance, problems
        )
        if ann is not None:
            annotations.append(ann)
    problems.raise_if_any()
    tracker.finish()
    return Dataset(
        images=tuple(images),
        categories=tuple(category_names.values()),
        annotations=tuple(annotations),
    )


def _read_document(
    root: Any, display: str, bounds_tolerance: float, progress: ProgressCallback | None
) -> Dataset:
    """Read a parsed COCO document; progress counts annotations."""
    problems = ProblemCollector(display)
    if not isinstance(root, dict):
        raise problems.fail(DOCUMENT, "root", "a COCO file is a JSON object")
    sections: dict[str, list[Any]] = {}
    for key in ("images", "categories", "annotations"):
        value = root.get(key)
        if not isinstance(value, list):
            problems.add(DOCUMENT, key, "missing or not a list")
        else:
            sections[key] = value
    problems.raise_if_any()

    category_names = _read_categories(sections["categories"], problems)
    images, image_by_id = _read_images(sections["images"], problems)
    annotations: list[Annotation] = []
    seen_ids: set[Any] = set()
    tracker = Progress(progress, len(sections["annotations"]))
    for index, raw in enumerate(sections["annotations"]):
        ann = _read_annotation(
            index, raw, image_by_id, category_names, seen_ids, bounds_tolerance, problems
        )
        if ann is not None:
            annotations.append(ann)
        tracker.advance()
    problems.raise_if_any()
    tracker.finish()
    return Dataset(
        images=tuple(images),
        categories=tuple(category_names.values()),
        annotations=tuple(annotations),
    )


def _read_categories(raw_list: list[Any], problems: ProblemCollector) -> dict[Any, str]:
    names: dict[Any, str] = {}
    seen_names: set[str] = set()
    for index, raw in enumerate(raw_list):
        record = f"categories[{index}]"
        if not isinstance(raw, dict):
            problems.add(record, "category", "not an object")
            continue
        cat_id, cat_name = raw.get("id"), raw.get("name")
        if not is_int(cat_id):
            problems.add(record, "id", f"missing or not an integer: {cat_id!r}")
            continue
        if not isinstance(cat_name, str) or not cat_name:
            problems.add(record, "name", "missing or empty")
            continue
        if cat_id in names:
            problems.add(record, "id", f"duplicate category id {cat_id}")
            continue
        if cat_name in seen_names:
            problems.add(record, "name", f"duplicate category name {cat_name!r}")
            continue
        names[cat_id] = cat_name
        seen_names.add(cat_name)
    return names


def _read_images(
    raw_list: list[Any], problems: ProblemCollector
) -> tuple[list[ImageRecord], dict[Any, ImageRecord]]:
    images: list[ImageRecord] = []
    by_id: dict[Any, ImageRecord] = {}
    seen_names: set[str] = set()
    for index, raw in enumerate(raw_list):
        record = f"images[{index}]"
        if not isinstance(raw, dict):
            problems.add(record, "image", "not an object")
            continue
        image_id, file_name = raw.get("id"), raw.get("file_name")
        width, height = raw.get("width"), raw.get("height")
        ok = True
        if not (is_int(image_id) or isinstance(image_id, str)):
            problems.add(record, "id", f"missing or not an integer: {image_id!r}")
            ok = False
        elif image_id in by_id:
            problems.add(record, "id", f"duplicate image id {image_id!r}")
            ok = False
        if not isinstance(file_name, str) or not file_name:
            problems.add(record, "file_name", "missing or empty")
            ok = False
        elif file_name in seen_names:
            problems.add(record, "file_name", f"duplicate file name {file_name!r}")
            ok = False
        for field, value in (("width", width), ("height", height)):
            if not is_int(value) or value <= 0:
                problems.add(record, field, f"missing or not a positive integer: {value!r}")
                ok = False
        sha = raw.get("sha256")
        if not ok:
            continue
        image = ImageRecord(
            file_name=file_name,
            width=width,
            height=height,
            image_id=image_id,
            sha256=sha if isinstance(sha, str) else None,
        )
        images.append(image)
        by_id[image_id] = image
        seen_names.add(file_name)
    return images, by_id


def _read_annotation(
    index: int,
    raw: Any,
    image_by_id: Mapping[Any, ImageRecord],
    category_names: Mapping[Any, str],
    seen_ids: set[Any],
    tolerance: float,
    problems: ProblemCollector,
) -> Annotation | None:
    # This runs once per annotation: the record name is built only when a problem needs it.
    if type(raw) is not dict:
        problems.add(f"annotations[{index}]", "annotation", "not an object")
        return None
    ann_id = _ref(raw.get("id"))

    def where() -> str:
        suffix = "" if ann_id is None else f" (id {ann_id})"
        return f"annotations[{index}]{suffix}"

    if ann_id is not None:
        if ann_id in seen_ids:
            problems.add(where(), "id", f"duplicate annotation id {ann_id!r}")
            return None
        seen_ids.add(ann_id)
    image = image_by_id.get(_ref(raw.get("image_id")))
    if image is None:
        problems.add(where(), "image_id", f"unknown image id {raw.get('image_id')!r}")
    category = category_names.get(_ref(raw.get("category_id")))
    if category is None:
        problems.add(where(), "category_id", f"unknown category id {raw.get('category_id')!r}")
    if image is None or category is None:
        return None
    assert image.width is not None and image.height is not None

    attributes = raw.get("attributes")
    if attributes is None:
        attributes = {}
    elif type(attributes) is not dict:
        problems.add(where(), "attributes", "not an object")
        return None
    else:
        attributes = dict(attributes)
    annotator = attributes.pop(ANNOTATOR_KEY, None)
    source = attributes.pop(SOURCE_KEY, "human")
    if source not in SOURCE_KINDS:
        problems.add(where(), "attributes.source", f"must be one of {SOURCE_KINDS}: {source!r}")
        return None
    iscrowd = raw.get("iscrowd", 0)
    if iscrowd not in (0, 1):
        problems.add(where(), "iscrowd", f"must be 0 or 1: {iscrowd!r}")
        return None
    if iscrowd:
        attributes["iscrowd"] = True
    score = raw.get("score")
    if score is not None and not is_number(score):
        problems.add(where(), "score", f"not a number: {score!r}")
        return None

    segmentation = raw.get("segmentation")
    if segmentation is None or segmentation == []:
        geometry, polygon, mask = "box", None, None
    else:
        geometry, polygon, mask = _read_segmentation(segmentation, image, where(), problems)
        if geometry is None:
            return None
    box = _read_bbox(raw, polygon, mask, where, problems)
    if box is None:
        return None
    reasons = box_problems(box, image.width, image.height, tolerance)
    if polygon is not None:
        reasons += polygon_problems(polygon, image.width, image.height, tolerance)
    if reasons:
        for reason in reasons:
            problems.add(where(), "bbox" if polygon is None else "segmentation", reason)
        return None
    return Annotation(
        image=image.file_name,
        category=category,
        geometry=geometry,
        box=box,
        polygon=polygon,
        mask=mask,
        annotator=None if annotator is None else str(annotator),
        source=source,
        score=None if score is None else float(score),
        attributes=attributes,
        ann_id=ann_id,
    )


def _read_segmentation(
    segmentation: Any, image: ImageRecord, record: str, problems: ProblemCollector
) -> tuple[Any, tuple[tuple[float, ...], ...] | None, dict[str, Any] | None]:
    """(geometry, polygon, mask); geometry None after a problem."""
    if isinstance(segmentation, list):
        rings = []
        for ring in segmentation:
            if not isinstance(ring, list) or not all(is_number(v) for v in ring):
                problems.add(record, "segmentation", "polygon rings must be lists of numbers")
                return None, None, None
            rings.append(tuple(float(v) for v in ring))
        return "polygon", tuple(rings), None
    if isinstance(segmentation, dict):
        assert image.width is not None and image.height is not None
        try:
            mask = normalize_coco_rle(segmentation, image.height, image.width)
        except ValueError as exc:
            problems.add(record, "segmentation", str(exc))
            return None, None, None
        return "mask", None, mask
    problems.add(record, "segmentation", "must be a list of polygons or an RLE object")
    return None, None, None


def _read_bbox(
    raw: Mapping[str, Any],
    polygon: tuple[tuple[float, ...], ...] | None,
    mask: dict[str, Any] | None,
    where: Callable[[], str],
    problems: ProblemCollector,
) -> tuple[float, float, float, float] | None:
    bbox = raw.get("bbox")
    if bbox is None:
        if polygon is not None and not polygon_problems(polygon, None, None, 0.0):
            return polygon_bbox(polygon)
        if mask is not None:
            return coco_rle_bbox(mask)
        problems.add(where(), "bbox", "missing (and no segmentation to derive it from)")
        return None
    if type(bbox) is not list or len(bbox) != 4 or not all(map(is_number, bbox)):
        problems.add(where(), "bbox", f"must be 4 finite numbers [x, y, w, h]: {bbox!r}")
        return None
    return (float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3]))
