"""CVAT for images 1.1 XML writer.

Writes boxes, polygons (one ring each), masks (CVAT run lengths over the mask's bounding
box) and tags, with ``occluded``, ``z_order``, ``group_id`` as XML attributes, the other
annotation attributes as ``<attribute>`` children (declared in the label spec of ``<meta>``
so CVAT and datumaro can type them), and ``source="auto"`` for prelabels. ``<meta>`` holds
a task (or, when every image key is ``<subset>/<name>``, a project with one task per subset)
declaring the labels; a dataset whose work is all one annotator's also gets
``meta/job/assignee`` naming that annotator, as CVAT's job exports do. Several annotators
need ``merge_annotators=True``, since CVAT XML cannot say who drew which shape. Scores and
track ids have no place in CVAT for images and are not written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from labelqc.formats._io import format_number
from labelqc.formats.cvat import RESERVED_ATTRIBUTES
from labelqc.formats.errors import ProblemCollector
from labelqc.formats.masks import coco_rle_to_cvat
from labelqc.formats.model import (
    Annotation,
    Dataset,
    ImageRecord,
    check_single_annotator,
    unsupported_geometry,
)

_SHAPE_TAGS = {"box": "box", "polygon": "polygon", "mask": "mask", "tag": "tag"}
_XML_ATTRIBUTES = ("z_order", "group_id")


def write_cvat(
    dataset: Dataset,
    *,
    merge_annotators: bool = False,
    unsupported: str = "error",
) -> bytes:
    """Write the dataset as CVAT for images 1.1 XML (UTF-8 bytes).

    Images must have sizes; multi-ring polygons and empty masks cannot be written and raise
    FormatError naming them. Coordinates are written with up to 6 decimals.
    """
    file = "<cvat output>"
    check_single_annotator(dataset, file, merge_annotators)
    kept = unsupported_geometry(dataset, tuple(_SHAPE_TAGS), file, unsupported)
    problems = ProblemCollector(file)
    root = ET.Element("annotations")
    ET.SubElement(root, "version").text = "1.1"
    annotators = [a for a in dataset.annotators() if a is not None]
    subsets = _project_subsets(dataset)
    annotator = annotators[0] if len(annotators) == 1 else None
    root.append(_meta(dataset, kept, annotator, subsets))
    by_image: dict[str, list[Annotation]] = {image.file_name: [] for image in dataset.images}
    for ann in kept:
        by_image[ann.image].append(ann)
    for frame, image in enumerate(dataset.images):
        element = _image_element(frame, image, subsets, problems)
        if element is None:
            continue
        for index, ann in enumerate(by_image[image.file_name]):
            shape = _shape_element(ann, f"{image.file_name} annotations[{index}]", problems)
            if shape is not None:
                element.append(shape)
        root.append(element)
    problems.raise_if_any()
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _project_subsets(dataset: Dataset) -> list[str] | None:
    """Subsets in order when every image key is ``<subset>/<name>`` (a project export)."""
    subsets: dict[str, None] = {}
    for image in dataset.images:
        if not image.subset or not image.file_name.startswith(image.subset + "/"):
            return None
        subsets.setdefault(image.subset, None)
    return list(subsets) or None


def _meta(
    dataset: Dataset,
    annotations: tuple[Annotation, ...],
    annotator: str | None,
    subsets: list[str] | None,
) -> ET.Element:
    # datumaro (and older CVAT) need meta/task or meta/project; a job block alone is not
    # enough, so the labels live there and a job block only carries the annotator.
    meta = ET.Element("meta")
    block = ET.SubElement(meta, "project" if subsets else "task")
    ET.SubElement(block, "size").text = str(len(dataset.images))
    ET.SubElement(block, "mode").text = "annotation"
    block.append(_labels(dataset, annotations))
    if subsets:
        tasks = ET.SubElement(block, "tasks")
        for task_id, subset in enumerate(subsets):
            task = ET.SubElement(tasks, "task")
            ET.SubElement(task, "id").text = str(task_id)
            ET.SubElement(task, "name").text = subset
            ET.SubElement(task, "subset").text = subset
    if annotator is not None:
        job = ET.SubElement(meta, "job")
        assignee = ET.SubElement(job, "assignee")
        ET.SubElement(assignee, "username").text = annotator
        ET.SubElement(assignee, "email").text = ""
    return meta


def _labels(dataset: Dataset, annotations: tuple[Annotation, ...]) -> ET.Element:
    specs: dict[str, dict[str, str]] = {name: {} for name in dataset.categories}
    for ann in annotations:
        for key, value in ann.attributes.items():
            if key not in RESERVED_ATTRIBUTES:
                specs[ann.category].setdefault(key, _input_type(value))
    labels = ET.Element("labels")
    for name, attributes in specs.items():
        label = ET.SubElement(labels, "label")
        ET.SubElement(label, "name").text = name
        ET.SubElement(label, "type").text = "any"
        attributes_element = ET.SubElement(label, "attributes")
        for attr_name, input_type in attributes.items():
            spec = ET.SubElement(attributes_element, "attribute")
            ET.SubElement(spec, "name").text = attr_name
            ET.SubElement(spec, "mutable").text = "False"
            ET.SubElement(spec, "input_type").text = input_type
            is_checkbox = input_type == "checkbox"
            ET.SubElement(spec, "default_value").text = "false" if is_checkbox else ""
            ET.SubElement(spec, "values").text = "false\ntrue" if is_checkbox else ""
    return labels


def _input_type(value: Any) -> str:
    if isinstance(value, bool):
        return "checkbox"
    if isinstance(value, int | float):
        return "number"
    return "text"


def _image_element(
    frame: int, image: ImageRecord, subsets: list[str] | None, problems: ProblemCollector
) -> ET.Element | None:
    if image.width is None or image.height is None:
        problems.add(image.file_name, "width/height", "CVAT needs image sizes")
        return None
    attributes = {"id": str(frame), "name": image.file_name}
    if subsets and image.subset:
        attributes["name"] = image.file_name[len(image.subset) + 1 :]
        attributes["subset"] = image.subset
        attributes["task_id"] = str(subsets.index(image.subset))
    attributes["width"] = str(image.width)
    attributes["height"] = str(image.height)
    return ET.Element("image", attributes)


def _shape_element(ann: Annotation, record: str, problems: ProblemCollector) -> ET.Element | None:
    attributes = {"label": ann.category, "source": "auto" if ann.source == "prelabel" else "manual"}
    if ann.geometry != "tag":
        attributes["occluded"] = "1" if ann.attributes.get("occluded") else "0"
    if ann.geometry == "box":
        assert ann.box is not None
        x, y, w, h = ann.box
        for key, value in (("xtl", x), ("ytl", y), ("xbr", x + w), ("ybr", y + h)):
            attributes[key] = format_number(value)
    elif ann.geometry == "polygon":
        assert ann.polygon is not None
        if len(ann.polygon) != 1:
            problems.add(record, "polygon", "CVAT polygons have one ring; this has several")
            return None
        ring = ann.polygon[0]
        attributes["points"] = ";".join(
            f"{format_number(ring[i])},{format_number(ring[i + 1])}" for i in range(0, len(ring), 2)
        )
    elif ann.geometry == "mask":
        assert ann.mask is not None
        encoded = coco_rle_to_cvat(ann.mask)
        if encoded is None:
            problems.add(record, "mask", "empty mask (CVAT cannot store one)")
            return None
        runs, left, top, width, height = encoded
        attributes.update(
            rle=", ".join(str(v) for v in runs),
            left=str(left),
            top=str(top),
            width=str(width),
            height=str(height),
        )
    for key in _XML_ATTRIBUTES:
        value = ann.attributes.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            attributes[key] = str(value)
    element = ET.Element(_SHAPE_TAGS[ann.geometry], attributes)
    for key, value in ann.attributes.items():
        if key in RESERVED_ATTRIBUTES:
            continue
        child = ET.SubElement(element, "attribute", {"name": key})
        child.text = _attribute_text(value)
    return element


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)
