"""Label Studio JSON export (a list of tasks) reader.

Each task holds ``data`` (the image URL), ``annotations`` (human work, ``completed_by`` an
int user id or an object with ``email``) and ``predictions`` (model pre-labels with a
``score``). Region results read: ``rectanglelabels``, ``polygonlabels``, ``brushlabels``
(Label Studio's own brush RLE, see :mod:`labelqc.formats.ls_brush`) and ``choices`` (image
tags). Coordinates are percentages of ``original_width``/``original_height``; a rectangle's
``rotation`` turns it (clockwise, about its top-left corner, as Label Studio draws it) and
such rectangles become 4-corner polygons with a ``rotation`` attribute and a note (or an
error with ``rotation="error"``). Other result types are skipped and counted in the notes.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, BinaryIO
from urllib.parse import parse_qs, unquote, urlparse

import json_stream
from json_stream.base import StreamingJSONList

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
from labelqc.formats._shapes import rotated_box
from labelqc.formats.errors import ProblemCollector
from labelqc.formats.ls_brush import ls_rle_to_mask
from labelqc.formats.masks import coco_rle_bbox, encode_coco_mask
from labelqc.formats.model import (
    Annotation,
    Dataset,
    ImageRecord,
    box_problems,
    polygon_bbox,
    polygon_problems,
)

REGION_TYPES = ("rectanglelabels", "polygonlabels", "brushlabels", "choices")
# Label Studio prefixes uploaded files with 8 hex characters and a dash.
_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")


def read_label_studio(
    source: Source | BinaryIO,
    *,
    name: str | None = None,
    image_key: str | None = None,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    rotation: str = "polygon",
    max_bytes: int = DEFAULT_MAX_BYTES,
    bounds_tolerance: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """Read a Label Studio JSON export (bytes, text, path or binary file) into a Dataset.

    The image of a task is ``data[image_key]`` (default: ``data["image"]``, else the only
    string in ``data``); its file name is the URL's last path part (the ``d=`` path for
    local-file URLs), without the upload prefix Label Studio adds to uploaded files. Image
    sizes come from the results (``original_width``/``original_height``), else from
    ``image_sizes`` by file name, else stay None. Annotators are ``completed_by`` (the email,
    or the user id as text); predictions become ``source="prelabel"`` with the result's
    ``score`` (else the prediction's) and their ``model_version`` as an attribute. Cancelled
    annotations are skipped. Paths and file objects are streamed one task at a time
    (progress then counts bytes). Raises FormatError listing every problem.
    """
    if rotation not in ("polygon", "error"):
        raise ValueError("rotation must be 'polygon' or 'error'")
    reader_args = (image_key, dict(image_sizes or {}), rotation, bounds_tolerance)
    reader = read_json_source(
        source,
        max_bytes=max_bytes,
        name=name,
        read_parsed=lambda document, display: _read_document(
            document, display, reader_args, progress
        ),
        read_streamed=lambda root, stream, display, size: _read_streamed(
            root, stream, display, size, reader_args, progress
        ),
    )
    return _dataset(reader)


def _read_document(
    root: Any,
    display: str,
    reader_args: tuple[Any, ...],
    progress: ProgressCallback | None,
) -> _TaskReader:
    """Read a parsed export; progress counts tasks."""
    problems = ProblemCollector(display)
    if isinstance(root, dict) and "data" in root:
        root = [root]
    if not isinstance(root, list):
        raise problems.fail(DOCUMENT, "root", "a Label Studio export is a JSON list of tasks")
    reader = _TaskReader(*reader_args, problems)
    tracker = Progress(progress, len(root))
    for index, task in enumerate(root):
        reader.read_task(index, task)
        tracker.advance()
    problems.raise_if_any()
    tracker.finish()
    return reader


def _read_streamed(
    root: Any,
    stream: BinaryIO,
    display: str,
    size: int,
    reader_args: tuple[Any, ...],
    progress: ProgressCallback | None,
) -> _TaskReader:
    """Stream the top-level task list (progress in bytes); a single task object is read whole."""
    if not isinstance(root, StreamingJSONList):
        return _read_document(json_stream.to_standard_types(root), display, reader_args, progress)
    problems = ProblemCollector(display)
    reader = _TaskReader(*reader_args, problems)
    tracker = Progress(progress, size)
    for index, task in iter_streamed_records(root, stream, tracker, every=64):
        reader.read_task(index, task)
    problems.raise_if_any()
    tracker.finish()
    return reader


def _dataset(reader: _TaskReader) -> Dataset:
    notes = [f"skipped {n} result(s) of type {t!r}" for t, n in reader.skipped.items()]
    if reader.cancelled:
        notes.append(f"skipped {reader.cancelled} cancelled annotation(s)")
    if reader.rotated:
        notes.append(f"converted {reader.rotated} rotated rectangle(s) to 4-corner polygons")
    return Dataset(
        images=tuple(reader.images.values()),
        categories=tuple(reader.categories),
        annotations=tuple(reader.annotations),
        notes=tuple(notes),
    )


def image_file_name(url: str) -> str:
    """The file name Label Studio's image URL points at (see read_label_studio)."""
    parsed = urlparse(url)
    local = parse_qs(parsed.query).get("d")
    path = unquote(local[0] if local else parsed.path)
    base = posixpath.basename(path.rstrip("/")) or path
    if "/upload/" in parsed.path:
        base = _UPLOAD_PREFIX.sub("", base)
    return base


def annotator_name(completed_by: Any) -> str | None:
    """``completed_by`` as a name: the email of a user object, else the id as text."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email:
            return email
        completed_by = completed_by.get("id")
    if completed_by is None or isinstance(completed_by, bool):
        return None
    return str(completed_by)


class _TaskReader:
    def __init__(
        self,
        image_key: str | None,
        image_sizes: dict[str, tuple[int, int]],
        rotation: str,
        tolerance: float,
        problems: ProblemCollector,
    ) -> None:
        self.image_key = image_key
        self.image_sizes = image_sizes
        self.rotation = rotation
        self.tolerance = tolerance
        self.problems = problems
        self.images: dict[str, ImageRecord] = {}
        self.annotations: list[Annotation] = []
        self.categories: dict[str, None] = {}
        self.skipped: Counter[str] = Counter()
        self.cancelled = 0
        self.rotated = 0

    def read_task(self, index: int, task: Any) -> None:
        record = f"tasks[{index}]"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            self.problems.add(record, "data", "a task needs a 'data' object")
            return
        task_id = task.get("id")
        record = f"task {task_id}" if task_id is not None else record
        url = self._image_url(task["data"])
        if url is None:
            self.problems.add(record, f"data.{self.image_key or 'image'}", "no image URL")
            return
        file_name = image_file_name(url)
        if file_name in self.images:
            self.problems.add(record, "data", f"image {file_name!r} is used by an earlier task")
            return
        groups: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        for key in ("annotations", "predictions"):
            entries = task.get(key, [])
            if not isinstance(entries, list):
                self.problems.add(record, key, "not a list")
                return
            for position, entry in enumerate(entries):
                if not isinstance(entry, dict) or not isinstance(entry.get("result", []), list):
                    self.problems.add(f"{record} {key}[{position}]", "result", "not a list")
                    continue
                groups.append((f"{record} {key}[{position}]", entry, {"kind": key}))
        size_ok, size = self._task_size(record, groups, file_name)
        if not size_ok:
            return
        width, height = size if size else (None, None)
        image = ImageRecord(file_name=file_name, width=width, height=height, image_id=task_id)
        self.images[file_name] = image
        for group_record, entry, info in groups:
            if info["kind"] == "annotations" and entry.get("was_cancelled"):
                self.cancelled += 1
                continue
            self._read_group(group_record, entry, info["kind"], image)

    def _image_url(self, data: dict[str, Any]) -> str | None:
        if self.image_key is not None:
            value = data.get(self.image_key)
            return value if isinstance(value, str) and value else None
        if isinstance(data.get("image"), str) and data["image"]:
            return data["image"]
        strings = [v for v in data.values() if isinstance(v, str) and v]
        return strings[0] if len(strings) == 1 else None

    def _task_size(
        self, record: str, groups: list[tuple[str, dict[str, Any], dict[str, Any]]], file_name: str
    ) -> tuple[bool, tuple[int, int] | None]:
        """(size readable, size): the size the results agree on, else from image_sizes."""
        sizes = set()
        for _, entry, _ in groups:
            for result in entry.get("result", []):
                if isinstance(result, dict) and "original_width" in result:
                    sizes.add((result.get("original_width"), result.get("original_height")))
        if len(sizes) > 1:
            self.problems.add(record, "original_width", f"results disagree on the size: {sizes}")
            return False, None
        if sizes:
            width, height = sizes.pop()
            if not all(
                isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)
            ):
                self.problems.add(record, "original_width", "must be positive integers")
                return False, None
            return True, (width, height)
        known = self.image_sizes.get(file_name)
        return True, ((int(known[0]), int(known[1])) if known else None)

    def _read_group(
        self, record: str, entry: dict[str, Any], kind: str, image: ImageRecord
    ) -> None:
        is_prediction = kind == "predictions"
        annotator = None if is_prediction else annotator_name(entry.get("completed_by"))
        group_score = entry.get("score") if is_number(entry.get("score")) else None
        base_attributes: dict[str, Any] = {}
        if is_prediction and entry.get("model_version") is not None:
            base_attributes["model_version"] = str(entry["model_version"])
        if entry.get("ground_truth"):
            base_attributes["ground_truth"] = True
        for position, result in enumerate(entry.get("result", [])):
            result_record = f"{record} result[{position}]"
            if not isinstance(result, dict):
                self.problems.add(result_record, "result", "not an object")
                continue
            result_type = result.get("type")
            if result_type not in REGION_TYPES:
                self.skipped[str(result_type)] += 1
                continue
            if result.get("id") is not None:
                result_record = f"{record} result {result['id']!r}"
            score = result.get("score") if is_number(result.get("score")) else group_score
            for region in self._read_region(result_record, result, result_type, image):
                self.categories.setdefault(region["category"], None)
                region_attributes = region.pop("attributes", {})
                self.annotations.append(
                    Annotation(
                        image=image.file_name,
                        annotator=annotator,
                        source="prelabel" if is_prediction else "human",
                        score=float(score) if is_prediction and score is not None else None,
                        attributes={**base_attributes, **region_attributes},
                        ann_id=result.get("id"),
                        **region,
                    )
                )

    def _read_region(
        self, record: str, result: dict[str, Any], result_type: str, image: ImageRecord
    ) -> list[dict[str, Any]]:
        value = result.get("value")
        if not isinstance(value, dict):
            self.problems.add(record, "value", "missing or not an object")
            return []
        labels = value.get(result_type)
        if (
            not isinstance(labels, list)
            or not labels
            or not all(isinstance(v, str) and v for v in labels)
        ):
            self.problems.add(record, f"value.{result_type}", "needs a non-empty list of labels")
            return []
        if result_type == "choices":
            return [{"category": label, "geometry": "tag"} for label in labels]
        if image.width is None or image.height is None:
            self.problems.add(record, "original_width", "image size unknown")
            return []
        geometry = self._geometry(record, value, result_type, image.width, image.height)
        if geometry is None:
            return []
        return [{"category": label, **geometry} for label in labels]

    def _geometry(
        self, record: str, value: dict[str, Any], result_type: str, width: int, height: int
    ) -> dict[str, Any] | None:
        if result_type == "rectanglelabels":
            numbers = [value.get(k) for k in ("x", "y", "width", "height")]
            if not all(is_number(v) for v in numbers):
                self.problems.add(record, "value.x/y/width/height", "missing or not numbers")
                return None
            x, y, w, h = (float(v) / 100 for v in numbers)  # type: ignore[arg-type]
            x0, y0 = x * width, y * height
            box = (x0, y0, w * width, h * height)
            degrees = value.get("rotation", 0) or 0
            if not is_number(degrees):
                self.problems.add(record, "value.rotation", "not a number")
                return None
            if float(degrees) % 360:
                if self.rotation == "error":
                    self.problems.add(record, "value.rotation", f"rotated by {degrees} degrees")
                    return None
                self.rotated += 1
                ring = rotated_box(x0, y0, x0 + box[2], y0 + box[3], float(degrees), (x0, y0))
                return self._polygon(record, (ring,), width, height, {"rotation": float(degrees)})
            reasons = box_problems(box, width, height, self.tolerance)
            for reason in reasons:
                self.problems.add(record, "value.x/y/width/height", reason)
            return None if reasons else {"geometry": "box", "box": box}
        if result_type == "polygonlabels":
            points = value.get("points")
            if not isinstance(points, list) or not all(
                isinstance(p, list) and len(p) == 2 and all(is_number(c) for c in p) for p in points
            ):
                self.problems.add(record, "value.points", "must be a list of [x, y] percentages")
                return None
            ring = tuple(
                float(c) / 100 * (width if i % 2 == 0 else height)
                for p in points
                for i, c in enumerate(p)
            )
            return self._polygon(record, (ring,), width, height, {})
        return self._brush(record, value, width, height)

    def _polygon(
        self,
        record: str,
        rings: tuple[tuple[float, ...], ...],
        width: int,
        height: int,
        attributes: dict[str, Any],
    ) -> dict[str, Any] | None:
        reasons = polygon_problems(rings, width, height, self.tolerance)
        for reason in reasons:
            self.problems.add(record, "value.points", reason)
        if reasons:
            return None
        return {
            "geometry": "polygon",
            "box": polygon_bbox(rings),
            "polygon": rings,
            "attributes": attributes,
        }

    def _brush(
        self, record: str, value: dict[str, Any], width: int, height: int
    ) -> dict[str, Any] | None:
        if value.get("format", "rle") != "rle" or not isinstance(value.get("rle"), list):
            self.problems.add(
                record, "value.rle", "brush results need format 'rle' and an rle list"
            )
            return None
        try:
            mask = encode_coco_mask(ls_rle_to_mask(value["rle"], width, height))
        except (ValueError, TypeError) as exc:
            self.problems.add(record, "value.rle", f"malformed brush RLE: {exc}")
            return None
        return {"geometry": "mask", "box": coco_rle_bbox(mask), "mask": mask}
