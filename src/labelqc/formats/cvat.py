"""CVAT XML 1.1 reader ("CVAT for images", plus the tracks of "CVAT for video").

Read: ``<box>`` (``rotation`` turned into a 4-corner polygon, with a note), ``<polygon>``,
``<mask>`` (CVAT's own run lengths, see :mod:`labelqc.formats.masks`), ``<tag>``, their
``<attribute>`` children (typed by the label spec in ``<meta>``: checkbox as bool, number as
float), ``occluded``, ``z_order``, ``group_id``. ``source="auto"`` marks a prelabel.
Polylines, points, ellipses, cuboids and skeletons are skipped, and the dataset's notes say
how many.

Annotator: CVAT does not store who drew each shape. A job export names its annotator in
``meta/job/assignee``; that name is used. Otherwise the task's ``assignee`` is used (per task
in a project export, through each image's ``task_id``). The ``owner`` is the task's creator
and is never taken as the annotator. ``annotator=`` overrides all of this.

Project exports repeat image names per subset: there the image key is ``<subset>/<name>``.
Tracks (CVAT for video) give one annotation per frame where the object is not ``outside``,
with ``track_id`` and ``keyframe`` attributes, on images named ``frame_000010.png`` and sized
by ``meta/.../original_size``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element

from labelqc.formats._io import DEFAULT_MAX_BYTES, ProgressCallback, Source, parse_float
from labelqc.formats._shapes import rotated_box
from labelqc.formats._xml import XmlRecords
from labelqc.formats.cvat_meta import CvatMeta
from labelqc.formats.errors import ProblemCollector
from labelqc.formats.masks import coco_rle_bbox, cvat_to_coco_rle
from labelqc.formats.model import (
    Annotation,
    Dataset,
    ImageRecord,
    box_problems,
    polygon_bbox,
    polygon_problems,
)

ROOT_TAG = "annotations"
RECORD_TAGS = ("image", "track")
SUPPORTED_SHAPES = ("box", "polygon", "mask", "tag")
SKIPPED_SHAPES = ("polyline", "points", "ellipse", "cuboid", "skeleton")
# Shape attributes written as XML attributes (not <attribute> children) by the writer.
RESERVED_ATTRIBUTES = ("occluded", "z_order", "group_id", "track_id", "keyframe", "outside")


def read_cvat(
    source: Source | BinaryIO,
    *,
    name: str | None = None,
    annotator: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bounds_tolerance: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """Read a CVAT XML 1.1 annotation file (bytes, text, a path or a binary file) into a Dataset.

    Paths and file objects are streamed: one top-level ``<image>`` / ``<track>`` element is
    parsed at a time and dropped once read, so memory follows the Dataset being built, not
    the file; ``progress(done, total)`` then counts bytes of the file (total 0 when a file
    object cannot tell its size). Bytes and str content are parsed whole and progress counts
    images and tracks. Raises FormatError listing every problem: malformed or unsafe XML
    (DTDs and entities are refused), missing labels or coordinates, labels not declared in
    ``<meta>``, masks that do not fit, geometry more than ``bounds_tolerance`` pixels outside
    its image, duplicate image ids or names.
    """
    records = XmlRecords(
        source, ROOT_TAG, RECORD_TAGS, max_bytes=max_bytes, name=name, progress=progress
    )
    with records as elements:
        reader = _Reader(elements.display, annotator, bounds_tolerance)
        for element in elements:
            reader.take(element)
        dataset = reader.finish()
        elements.finish()
    return dataset


class _Reader:
    """Reads the top-level elements handed to ``take`` in document order.

    ``<meta>`` comes first in CVAT files; records found before it (or in a file without one)
    are kept until it is read (or the end) and read then, in order.
    """

    def __init__(self, display: str, annotator: str | None, tolerance: float) -> None:
        self.annotator = annotator
        self.tolerance = tolerance
        self.problems = ProblemCollector(display)
        self.meta = CvatMeta(None, annotator)
        self._meta_read = False
        self.images: dict[str, ImageRecord] = {}
        self.annotations: list[Annotation] = []
        self.skipped: Counter[str] = Counter()
        self.rotated = 0
        self.used_labels: dict[str, None] = {}
        self._image_ids: set[tuple[str | None, str]] = set()
        self._records = 0
        self._waiting: list[tuple[int, Element]] = []

    def take(self, element: Element) -> None:
        """Read one top-level element, then clear it (records before <meta> wait for it)."""
        if element.tag == "meta" and not self._meta_read:
            self._start(element)
        if element.tag not in RECORD_TAGS:
            element.clear()
            return
        if not self._meta_read:
            self._waiting.append((self._records, element))
        else:
            self._read(self._records, element)
        self._records += 1

    def finish(self) -> Dataset:
        """The Dataset read, or FormatError with every problem collected."""
        if not self._meta_read:
            self._start(None)
        self.problems.raise_if_any()
        notes = [f"skipped {n} <{tag}> shape(s): not supported" for tag, n in self.skipped.items()]
        if self.rotated:
            notes.append(f"converted {self.rotated} rotated box(es) to 4-corner polygons")
        declared = self.meta.labels
        used = [c for c in self.used_labels if c not in declared]
        return Dataset(
            images=tuple(self.images.values()),
            categories=tuple(declared) + tuple(used),
            annotations=tuple(self.annotations),
            notes=tuple(notes),
        )

    def _start(self, meta: Element | None) -> None:
        self.meta = CvatMeta(meta, self.annotator)
        self._meta_read = True
        for index, element in self._waiting:
            self._read(index, element)
        self._waiting.clear()

    def _read(self, index: int, element: Element) -> None:
        if element.tag == "image":
            self.read_image(index, element)
        else:
            self.read_track(index, element)
        element.clear()

    def read_image(self, index: int, element: Element) -> None:
        record = f"image[{index}]"
        image_name = element.get("name")
        subset = element.get("subset")
        image_id = element.get("id")
        width = _int(element.get("width"))
        height = _int(element.get("height"))
        if not image_name:
            self.problems.add(record, "name", "missing")
            return
        record = f"image[{index}] ({image_name})"
        if width is None or height is None:
            self.problems.add(record, "width/height", "missing or not positive integers")
            return
        key = f"{subset}/{image_name}" if subset else image_name
        if key in self.images:
            self.problems.add(record, "name", f"duplicate image {key!r}")
            return
        if image_id is not None:
            if (subset, image_id) in self._image_ids:
                self.problems.add(record, "id", f"duplicate image id {image_id!r}")
                return
            self._image_ids.add((subset, image_id))
        image = ImageRecord(
            file_name=key,
            width=width,
            height=height,
            image_id=int(image_id) if image_id and image_id.isdigit() else image_id,
            subset=subset,
        )
        self.images[key] = image
        annotator = self.meta.annotator_for(element.get("task_id"))
        for shape_index, shape in enumerate(element):
            shape_record = f"{record} {shape.tag}[{shape_index}]"
            self._read_shape(shape, shape_record, image, annotator, {})

    def read_track(self, index: int, element: Element) -> None:
        record = f"track[{index}] (id {element.get('id')})"
        track_id = _int(element.get("id"), allow_zero=True)
        label = element.get("label")
        if self.meta.frame_size is None:
            self.problems.add(record, "original_size", "tracks need meta/original_size")
            return
        width, height = self.meta.frame_size
        for shape_index, shape in enumerate(element):
            shape_record = f"{record} {shape.tag}[{shape_index}]"
            if shape.get("outside") == "1":
                continue
            frame = _int(shape.get("frame"), allow_zero=True)
            if frame is None:
                self.problems.add(shape_record, "frame", "missing or not an integer")
                continue
            key = f"frame_{frame:06d}.png"
            image = self.images.setdefault(
                key, ImageRecord(file_name=key, width=width, height=height, image_id=frame)
            )
            extra = {"track_id": track_id, "keyframe": shape.get("keyframe") == "1"}
            self._read_shape(shape, shape_record, image, self.meta.default_annotator, extra, label)

    def _read_shape(
        self,
        shape: Element,
        record: str,
        image: ImageRecord,
        annotator: str | None,
        extra: dict[str, Any],
        track_label: str | None = None,
    ) -> None:
        if shape.tag in SKIPPED_SHAPES:
            self.skipped[shape.tag] += 1
            return
        if shape.tag not in SUPPORTED_SHAPES:
            self.problems.add(record, "tag", f"unknown shape element <{shape.tag}>")
            return
        label = shape.get("label") or track_label
        if not label:
            self.problems.add(record, "label", "missing or empty")
            return
        if self.meta.labels and label not in self.meta.labels:
            self.problems.add(record, "label", f"{label!r} is not declared in <meta> labels")
            return
        self.used_labels.setdefault(label, None)
        attributes = dict(extra)
        for child in shape.iter("attribute"):
            attr_name = child.get("name")
            if not attr_name:
                self.problems.add(record, "attribute", "an <attribute> without a name")
                return
            attributes[attr_name] = self.meta.typed(attr_name, child.text or "")
        if shape.tag != "tag":
            attributes["occluded"] = shape.get("occluded") == "1"
        for numeric in ("z_order", "group_id"):
            value = _int(shape.get(numeric), allow_zero=True)
            if value is not None:
                attributes[numeric] = value
        geometry = self._geometry(shape, record, image)
        if geometry is None:
            return
        kind, box, polygon, mask = geometry
        self.annotations.append(
            Annotation(
                image=image.file_name,
                category=label,
                geometry=kind,
                box=box,
                polygon=polygon,
                mask=mask,
                annotator=annotator,
                source="prelabel" if shape.get("source") == "auto" else "human",
                attributes=attributes,
            )
        )

    def _geometry(self, shape: Element, record: str, image: ImageRecord) -> tuple[Any, ...] | None:
        assert image.width is not None and image.height is not None
        width, height = image.width, image.height
        if shape.tag == "tag":
            return ("tag", None, None, None)
        if shape.tag == "box":
            corners = [parse_float(shape.get(k)) for k in ("xtl", "ytl", "xbr", "ybr")]
            if any(v is None for v in corners):
                self.problems.add(record, "xtl/ytl/xbr/ybr", "missing or not numbers")
                return None
            xtl, ytl, xbr, ybr = (float(v) for v in corners if v is not None)
            rotation = parse_float(shape.get("rotation")) or 0.0
            if rotation % 360:
                self.rotated += 1
                ring = rotated_box(xtl, ytl, xbr, ybr, rotation, ((xtl + xbr) / 2, (ytl + ybr) / 2))
                return self._polygon(((ring),), record, width, height)
            box = (xtl, ytl, xbr - xtl, ybr - ytl)
            reasons = box_problems(box, width, height, self.tolerance)
            for reason in reasons:
                self.problems.add(record, "xtl/ytl/xbr/ybr", reason)
            return None if reasons else ("box", box, None, None)
        if shape.tag == "polygon":
            ring = _points(shape.get("points"))
            if ring is None:
                self.problems.add(record, "points", "missing or malformed 'x,y;x,y;...' list")
                return None
            return self._polygon((ring,), record, width, height)
        return self._mask(shape, record, width, height)

    def _polygon(
        self, rings: tuple[tuple[float, ...], ...], record: str, width: int, height: int
    ) -> tuple[Any, ...] | None:
        reasons = polygon_problems(rings, width, height, self.tolerance)
        for reason in reasons:
            self.problems.add(record, "points", reason)
        return None if reasons else ("polygon", polygon_bbox(rings), rings, None)

    def _mask(self, shape: Element, record: str, width: int, height: int) -> tuple[Any, ...] | None:
        fields = {
            k: _int(shape.get(k), allow_zero=True) for k in ("left", "top", "width", "height")
        }
        missing = [k for k, v in fields.items() if v is None]
        runs_text = shape.get("rle")
        if missing or runs_text is None:
            self.problems.add(record, "rle/" + "/".join(missing), "missing or not integers")
            return None
        try:
            runs = [int(v) for v in runs_text.split(",") if v.strip()]
            mask = cvat_to_coco_rle(
                runs,
                fields["left"],
                fields["top"],
                fields["width"],
                fields["height"],  # type: ignore[arg-type]
                width,
                height,
            )
        except ValueError as exc:
            self.problems.add(record, "rle", str(exc))
            return None
        return ("mask", coco_rle_bbox(mask), None, mask)


def _int(text: str | None, *, allow_zero: bool = False) -> int | None:
    value = parse_float(text)
    if value is None or not value.is_integer() or value < 0 or (value == 0 and not allow_zero):
        return None
    return int(value)


def _points(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    values: list[float] = []
    for pair in text.split(";"):
        parts = pair.split(",")
        if len(parts) != 2:
            return None
        x, y = parse_float(parts[0]), parse_float(parts[1])
        if x is None or y is None:
            return None
        values += [x, y]
    return tuple(values)
