"""The neutral in-memory dataset every reader returns and every writer takes.

Coordinates are pixels with the origin at the top-left corner of the top-left pixel, x to the
right, y down (the COCO convention): a box ``(x, y, w, h)`` covers ``[x, x + w) x [y, y + h)``.
Polygons are rings of flat ``x0, y0, x1, y1, ...`` pixel coordinates. Masks are COCO RLE dicts
``{"size": [height, width], "counts": str}`` (compressed, column-major, as pycocotools writes
them) covering the whole image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from labelqc.formats.errors import ProblemCollector

GeometryType = Literal["box", "polygon", "mask", "tag"]
SourceKind = Literal["human", "prelabel"]
GEOMETRY_TYPES: tuple[str, ...] = ("box", "polygon", "mask", "tag")
SOURCE_KINDS: tuple[str, ...] = ("human", "prelabel")


@dataclass(frozen=True, slots=True)
class ImageRecord:
    """One image: its file name (unique key within a dataset), size and optional identity.

    ``width``/``height`` are None when the source file does not say (e.g. an unlabeled Label
    Studio task). ``image_id`` is the id the source format used; ``subset`` the split
    (train/val/...) where the format has one.
    """

    file_name: str
    width: int | None
    height: int | None
    image_id: int | str | None = None
    sha256: str | None = None
    subset: str | None = None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One labeled object or image-level tag.

    ``image`` is the ``file_name`` of its ImageRecord. ``box`` is the pixel ``(x, y, w, h)``
    of a box, and the tight bounding box of a polygon or mask (None for a tag). ``polygon``
    holds one or more rings; ``mask`` a COCO RLE dict. ``attributes`` carries per-format extras
    with these shared names: ``occluded`` (bool), ``truncated`` (bool), ``track_id`` (int),
    ``iscrowd`` (bool), ``z_order`` (int). ``ann_id`` is the id in the source format.
    """

    image: str
    category: str
    geometry: GeometryType
    box: tuple[float, float, float, float] | None = None
    polygon: tuple[tuple[float, ...], ...] | None = None
    mask: Mapping[str, Any] | None = None
    annotator: str | None = None
    source: SourceKind = "human"
    score: float | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    ann_id: int | str | None = None

    def __post_init__(self) -> None:
        # A private copy, so the caller's dict cannot change the annotation afterwards (a plain
        # dict rather than a read-only proxy keeps annotations picklable and deep-copyable).
        object.__setattr__(self, "attributes", dict(self.attributes))
        if self.box is not None:
            object.__setattr__(self, "box", tuple(map(float, self.box)))
        if self.polygon is not None:
            rings = tuple(tuple(map(float, ring)) for ring in self.polygon)
            object.__setattr__(self, "polygon", rings)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Images, category names (in taxonomy order), annotations, and conversion notes.

    ``notes`` are human-readable remarks a reader made while converting (shapes skipped as
    unsupported, rotated boxes turned into polygons, ...).
    """

    images: tuple[ImageRecord, ...]
    categories: tuple[str, ...]
    annotations: tuple[Annotation, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "images", tuple(self.images))
        object.__setattr__(self, "categories", tuple(self.categories))
        object.__setattr__(self, "annotations", tuple(self.annotations))
        object.__setattr__(self, "notes", tuple(self.notes))
        check_dataset(self)

    def image_index(self) -> dict[str, ImageRecord]:
        """Images by file name."""
        return {image.file_name: image for image in self.images}

    def annotators(self) -> tuple[str | None, ...]:
        """Distinct annotator names in first-seen order (None for unattributed work)."""
        seen: dict[str | None, None] = {}
        for ann in self.annotations:
            seen.setdefault(ann.annotator, None)
        return tuple(seen)


def check_dataset(dataset: Dataset, file: str = "<dataset>") -> None:
    """Raise FormatError unless names are unique and every reference resolves."""
    problems = ProblemCollector(file)
    seen_images: set[str] = set()
    for index, image in enumerate(dataset.images):
        if image.file_name in seen_images:
            problems.add(f"images[{index}]", "file_name", f"duplicate {image.file_name!r}")
        seen_images.add(image.file_name)
    seen_categories: set[str] = set()
    for index, name in enumerate(dataset.categories):
        if not name:
            problems.add(f"categories[{index}]", "name", "empty category name")
        if name in seen_categories:
            problems.add(f"categories[{index}]", "name", f"duplicate {name!r}")
        seen_categories.add(name)
    for index, ann in enumerate(dataset.annotations):
        record = f"annotations[{index}]"
        if ann.image not in seen_images:
            problems.add(record, "image", f"unknown image {ann.image!r}")
        if ann.category not in seen_categories:
            problems.add(record, "category", f"unknown category {ann.category!r}")
        if ann.geometry not in GEOMETRY_TYPES:
            problems.add(record, "geometry", f"unknown geometry {ann.geometry!r}")
        if ann.source not in SOURCE_KINDS:
            problems.add(record, "source", f"unknown source {ann.source!r}")
        if ann.geometry == "box" and ann.box is None:
            problems.add(record, "box", "a box annotation needs a box")
        if ann.geometry == "polygon" and not ann.polygon:
            problems.add(record, "polygon", "a polygon annotation needs at least one ring")
        if ann.geometry == "mask" and ann.mask is None:
            problems.add(record, "mask", "a mask annotation needs an RLE mask")
    problems.raise_if_any()


def box_problems(
    box: tuple[float, float, float, float],
    width: int | None,
    height: int | None,
    tolerance: float,
) -> list[str]:
    """Reasons a pixel box is invalid or lies outside the image (beyond ``tolerance`` px)."""
    x, y, w, h = box
    if not all(math.isfinite(v) for v in box):
        return ["coordinates must be finite"]
    reasons = []
    if w < 0 or h < 0:
        reasons.append(f"negative size w={w:g} h={h:g}")
    if (
        width is not None
        and height is not None
        and (
            x < -tolerance
            or y < -tolerance
            or x + w > width + tolerance
            or y + h > height + tolerance
        )
    ):
        reasons.append(f"box ({x:g}, {y:g}, {w:g}, {h:g}) lies outside the {width}x{height} image")
    return reasons


def polygon_problems(
    rings: Iterable[Iterable[float]],
    width: int | None,
    height: int | None,
    tolerance: float,
) -> list[str]:
    """Reasons a polygon is malformed or lies outside the image (beyond ``tolerance`` px)."""
    reasons = []
    for index, ring in enumerate(rings):
        values = list(ring)
        if len(values) < 6 or len(values) % 2:
            reasons.append(f"ring {index} needs an even count of at least 6 values")
            continue
        if not all(math.isfinite(v) for v in values):
            reasons.append(f"ring {index} has non-finite coordinates")
            continue
        if width is None or height is None:
            continue
        xs, ys = values[0::2], values[1::2]
        if (
            min(xs) < -tolerance
            or min(ys) < -tolerance
            or max(xs) > width + tolerance
            or max(ys) > height + tolerance
        ):
            reasons.append(f"ring {index} lies outside the {width}x{height} image")
    return reasons


def polygon_bbox(rings: Iterable[Iterable[float]]) -> tuple[float, float, float, float]:
    """Tight ``(x, y, w, h)`` around all rings."""
    xs: list[float] = []
    ys: list[float] = []
    for ring in rings:
        values = list(ring)
        xs.extend(values[0::2])
        ys.extend(values[1::2])
    x0, y0 = min(xs), min(ys)
    return (x0, y0, max(xs) - x0, max(ys) - y0)


def polygon_area(rings: Iterable[Iterable[float]]) -> float:
    """Sum of the shoelace areas of the rings (each ring taken as a simple polygon)."""
    total = 0.0
    for ring in rings:
        values = list(ring)
        xs, ys = values[0::2], values[1::2]
        twice = sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs)))
        total += abs(twice) / 2.0
    return total


def unsupported_geometry(
    dataset: Dataset, supported: Iterable[str], file: str, unsupported: str
) -> tuple[Annotation, ...]:
    """Annotations a writer can express; the rest raise (``unsupported="error"``) or drop."""
    allowed = set(supported)
    if unsupported not in ("error", "drop"):
        raise ValueError(f"unsupported must be 'error' or 'drop', not {unsupported!r}")
    kept = tuple(ann for ann in dataset.annotations if ann.geometry in allowed)
    if unsupported == "error" and len(kept) != len(dataset.annotations):
        problems = ProblemCollector(file)
        for index, ann in enumerate(dataset.annotations):
            if ann.geometry not in allowed:
                problems.add(
                    f"annotations[{index}] ({ann.image})",
                    "geometry",
                    f"{ann.geometry!r} cannot be written to this format "
                    f"(supported: {', '.join(sorted(allowed))}); pass unsupported='drop' to skip",
                )
        problems.raise_if_any()
    return kept


def check_single_annotator(dataset: Dataset, file: str, merge_annotators: bool) -> None:
    """Refuse to merge several annotators' work into a format that cannot tell them apart.

    Formats without annotator identity (YOLO, Pascal VOC) would silently pool every
    annotator's boxes per image; that is allowed only with ``merge_annotators=True``
    (``split_by_annotator`` gives one dataset per annotator instead).
    """
    annotators = dataset.annotators()
    if len(annotators) > 1 and not merge_annotators:
        names = ", ".join(repr(a) for a in annotators)
        problems = ProblemCollector(file)
        problems.add(
            "annotations",
            "annotator",
            f"{len(annotators)} annotators ({names}) cannot be told apart in this format; "
            "write one export per annotator (split_by_annotator) or pass merge_annotators=True",
        )
        problems.raise_if_any()
