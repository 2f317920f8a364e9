"""Pascal VOC XML: one ``Annotations/<image stem>.xml`` per image, boxes only.

VOC ``bndbox`` values are 1-based pixel indices, inclusive at both ends: a box covering the
pixel columns 0..9 (0-based) is ``xmin=1, xmax=10``. With ``coordinate_mode="voc-one-based"``
(the default, datumaro's option of the same name) the reader maps ``x = xmin - 1``,
``w = xmax - xmin + 1`` (so ``x + w = xmax``) and the writer maps back ``xmin = floor(x) + 1``,
``xmax = ceil(x + w)``, widening fractional boxes outward to whole pixels as datumaro does
(``snap_to_pixels=False`` writes the exact values ``x + 1`` and ``x + w`` instead).
``"dm-zero-based"`` reads and writes the numbers unchanged (datumaro's default mode).
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from labelqc.formats._io import (
    DEFAULT_MAX_BYTES,
    FileTree,
    Progress,
    ProgressCallback,
    Source,
    TreeSource,
    format_number,
    load_bytes,
    looks_like_content,
    parse_float,
    parse_xml,
)
from labelqc.formats.errors import FormatError, ProblemCollector
from labelqc.formats.model import (
    Annotation,
    Dataset,
    ImageRecord,
    box_problems,
    check_single_annotator,
    unsupported_geometry,
)

COORDINATE_MODES = ("voc-one-based", "dm-zero-based")
_FLAG_FIELDS = ("truncated", "difficult", "occluded")


def read_voc(
    source: Source | TreeSource,
    *,
    coordinate_mode: str = "voc-one-based",
    name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bounds_tolerance: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """Read Pascal VOC annotations: a dataset folder (path or ``{path: bytes}``) or one XML.

    In a folder every ``Annotations/*.xml`` is read and ``ImageSets/Main/<subset>.txt``
    assigns subsets; categories come from ``labelmap.txt`` when present (``background``
    left out), else from the object names in order of appearance. Object flags
    ``truncated``/``difficult``/``occluded`` become bool attributes, ``pose`` a str attribute;
    object parts and actions are not read. Raises FormatError listing every problem.
    """
    if coordinate_mode not in COORDINATE_MODES:
        raise ValueError(f"coordinate_mode must be one of {COORDINATE_MODES}")
    documents: list[tuple[str, bytes]] = []
    subsets: dict[str, str] = {}
    declared: list[str] = []
    is_dir = (
        isinstance(source, str | os.PathLike)
        and not (isinstance(source, str) and looks_like_content(source))
        and Path(source).is_dir()
    )
    if isinstance(source, Mapping) or is_dir:
        tree = FileTree(source, max_bytes=max_bytes)  # type: ignore[arg-type]
        paths = tree.paths()
        xml_paths = [p for p in paths if p.startswith("Annotations/") and p.endswith(".xml")]
        for path in paths:
            parts = PurePosixPath(path)
            if str(parts.parent) == "ImageSets/Main" and "_" not in parts.stem:
                for line in tree.read(path).decode("utf-8", errors="replace").splitlines():
                    if line.strip():
                        subsets.setdefault(line.split()[0], parts.stem)
        if "labelmap.txt" in paths:
            declared = _labelmap_names(tree.read("labelmap.txt"))
        documents = [(p, tree.read(p)) for p in xml_paths]
        display = name or tree.name
    else:
        data, display = load_bytes(source, max_bytes=max_bytes, name=name)  # type: ignore[arg-type]
        documents = [(display, data)]

    problems = ProblemCollector(display)
    images: list[ImageRecord] = []
    annotations: list[Annotation] = []
    categories: dict[str, None] = dict.fromkeys(declared)
    tracker = Progress(progress, len(documents))
    for doc_name, data in documents:
        tracker.advance()
        try:
            root = parse_xml(data, doc_name)
        except FormatError as exc:
            for problem in exc.problems:
                problems.add(f"{doc_name}: {problem.record}", problem.field, problem.message)
            continue
        parsed = _read_document(
            root, doc_name, subsets, coordinate_mode, bounds_tolerance, problems
        )
        if parsed is None:
            continue
        image, anns = parsed
        images.append(image)
        for ann in anns:
            if declared and ann.category not in categories:
                problems.add(doc_name, "object/name", f"{ann.category!r} not in labelmap.txt")
            categories.setdefault(ann.category, None)
        annotations += anns
    problems.raise_if_any()
    tracker.finish()
    return Dataset(
        images=tuple(images), categories=tuple(categories), annotations=tuple(annotations)
    )


def _labelmap_names(data: bytes) -> list[str]:
    names = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            label = line.split(":")[0]
            if label and label != "background":
                names.append(label)
    return names


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _read_document(
    root: ET.Element,
    doc_name: str,
    subsets: Mapping[str, str],
    coordinate_mode: str,
    tolerance: float,
    problems: ProblemCollector,
) -> tuple[ImageRecord, list[Annotation]] | None:
    if root.tag != "annotation":
        problems.add(doc_name, "annotation", f"root element is <{root.tag}>, not <annotation>")
        return None
    file_name = _text(root, "filename")
    if not file_name:
        problems.add(doc_name, "filename", "missing")
        return None
    sizes = [_positive_int(_text(root, f"size/{key}")) for key in ("width", "height")]
    width, height = sizes
    image = ImageRecord(
        file_name=file_name,
        width=width,
        height=height,
        subset=subsets.get(PurePosixPath(file_name).stem),
    )
    annotations = []
    for index, obj in enumerate(root.findall("object")):
        record = f"{doc_name} object[{index}]"
        category = _text(obj, "name")
        if not category:
            problems.add(record, "name", "missing")
            continue
        corners = [parse_float(_text(obj, f"bndbox/{k}")) for k in ("xmin", "ymin", "xmax", "ymax")]
        if any(v is None for v in corners):
            problems.add(record, "bndbox", "needs numeric xmin, ymin, xmax, ymax")
            continue
        xmin, ymin, xmax, ymax = (float(v) for v in corners if v is not None)
        if coordinate_mode == "voc-one-based":
            xmin, ymin = xmin - 1, ymin - 1
        box = (xmin, ymin, xmax - xmin, ymax - ymin)
        reasons = box_problems(box, width, height, tolerance)
        for reason in reasons:
            problems.add(record, "bndbox", reason)
        if reasons:
            continue
        attributes: dict[str, Any] = {}
        for flag in _FLAG_FIELDS:
            value = _text(obj, flag)
            if value is not None:
                if value not in ("0", "1"):
                    problems.add(record, flag, f"must be 0 or 1: {value!r}")
                attributes[flag] = value == "1"
        pose = _text(obj, "pose")
        if pose:
            attributes["pose"] = pose
        annotations.append(
            Annotation(
                image=file_name,
                category=category,
                geometry="box",
                box=box,
                attributes=attributes,
            )
        )
    return image, annotations


def _positive_int(text: str | None) -> int | None:
    value = parse_float(text)
    return int(value) if value is not None and value > 0 and value.is_integer() else None


def write_voc(
    dataset: Dataset,
    *,
    coordinate_mode: str = "voc-one-based",
    snap_to_pixels: bool = True,
    as_boxes: bool = False,
    unsupported: str = "error",
    merge_annotators: bool = False,
    default_subset: str = "train",
) -> dict[str, bytes]:
    """Write a VOC folder as ``{relative_path: bytes}``.

    Writes ``Annotations/<stem>.xml`` per image, ``ImageSets/Main/<subset>.txt`` and a
    ``labelmap.txt`` naming the categories (so tools do not assume the 20 VOC classes).
    Polygons and masks are written as their bounding boxes only with ``as_boxes=True``; tags
    cannot be written. In ``voc-one-based`` mode boxes need ``x, y >= 0`` and positive size.
    Several annotators raise unless ``merge_annotators``.
    """
    if coordinate_mode not in COORDINATE_MODES:
        raise ValueError(f"coordinate_mode must be one of {COORDINATE_MODES}")
    file = "<voc output>"
    check_single_annotator(dataset, file, merge_annotators)
    supported = ("box", "polygon", "mask") if as_boxes else ("box",)
    kept = unsupported_geometry(dataset, supported, file, unsupported)
    problems = ProblemCollector(file)
    by_image: dict[str, list[Annotation]] = {image.file_name: [] for image in dataset.images}
    for ann in kept:
        by_image[ann.image].append(ann)
    files: dict[str, bytes] = {}
    subset_lists: dict[str, list[str]] = {}
    for image in dataset.images:
        stem = PurePosixPath(image.file_name).stem
        path = f"Annotations/{stem}.xml"
        if path in files:
            problems.add(image.file_name, "file_name", f"two images share {path}")
            continue
        root = _image_element(
            image, by_image[image.file_name], coordinate_mode, snap_to_pixels, problems
        )
        ET.indent(root)
        files[path] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        subset_lists.setdefault(image.subset or default_subset, []).append(stem)
    problems.raise_if_any()
    for subset, stems in subset_lists.items():
        files[f"ImageSets/Main/{subset}.txt"] = ("\n".join(stems) + "\n").encode("utf-8")
    labelmap = ["# label:color_rgb:parts:actions"] + [f"{c}:::" for c in dataset.categories]
    files["labelmap.txt"] = ("\n".join(labelmap) + "\n").encode("utf-8")
    return files


def _image_element(
    image: ImageRecord,
    annotations: list[Annotation],
    coordinate_mode: str,
    snap: bool,
    problems: ProblemCollector,
) -> ET.Element:
    root = ET.Element("annotation")
    ET.SubElement(root, "folder").text = "VOC"
    ET.SubElement(root, "filename").text = image.file_name
    size = ET.SubElement(root, "size")
    ET.SubElement(size, "width").text = str(image.width or 0)
    ET.SubElement(size, "height").text = str(image.height or 0)
    ET.SubElement(size, "depth").text = "3"
    ET.SubElement(root, "segmented").text = "0"
    for index, ann in enumerate(annotations):
        assert ann.box is not None
        corners = _corners(ann.box, coordinate_mode, snap)
        if corners is None:
            problems.add(
                f"{image.file_name} annotations[{index}]",
                "box",
                f"{ann.box} has a negative origin or empty size (not valid 1-based VOC)",
            )
            continue
        obj = ET.SubElement(root, "object")
        ET.SubElement(obj, "name").text = ann.category
        ET.SubElement(obj, "pose").text = str(ann.attributes.get("pose", "Unspecified"))
        for flag in _FLAG_FIELDS:
            ET.SubElement(obj, flag).text = "1" if ann.attributes.get(flag) else "0"
        bndbox = ET.SubElement(obj, "bndbox")
        for key, value in zip(("xmin", "ymin", "xmax", "ymax"), corners, strict=True):
            ET.SubElement(bndbox, key).text = format_number(value)
    return root


def _corners(
    box: tuple[float, float, float, float], coordinate_mode: str, snap: bool
) -> tuple[float, float, float, float] | None:
    x, y, w, h = box
    if coordinate_mode == "dm-zero-based":
        return (x, y, x + w, y + h)
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        return None
    if snap:
        return (math.floor(x) + 1, math.floor(y) + 1, math.ceil(x + w), math.ceil(y + h))
    return (x + 1, y + 1, x + w, y + h)
