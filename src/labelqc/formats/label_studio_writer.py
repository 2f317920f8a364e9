"""Label Studio JSON writer (tasks with annotations and predictions) and a matching config.

One task per image. Human work becomes one annotation per annotator (``completed_by``: the
user id when the name is a number, else ``{"email": name}``); prelabels become predictions,
one per ``model_version`` attribute, each region carrying its ``score`` and the prediction
the mean score. Boxes are ``rectanglelabels``, polygons ``polygonlabels``, masks
``brushlabels`` (brush RLE), tags ``choices``. Attributes other than ``ground_truth`` and
``model_version`` have no place in Label Studio results and are not written.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from labelqc.formats.errors import ProblemCollector
from labelqc.formats.ls_brush import mask_to_ls_rle
from labelqc.formats.masks import decode_coco_mask
from labelqc.formats.model import Annotation, Dataset, ImageRecord

DEFAULT_FROM_NAMES: Mapping[str, str] = {
    "box": "label",
    "polygon": "polygon",
    "mask": "brush",
    "tag": "choice",
}
_RESULT_TYPES = {
    "box": "rectanglelabels",
    "polygon": "polygonlabels",
    "mask": "brushlabels",
    "tag": "choices",
}
_CONFIG_TAGS = {
    "box": "RectangleLabels",
    "polygon": "PolygonLabels",
    "mask": "BrushLabels",
    "tag": "Choices",
}


def write_label_studio(
    dataset: Dataset,
    *,
    image_root: str = "",
    from_names: Mapping[str, str] | None = None,
    to_name: str = "image",
    default_model_version: str = "labelqc",
    indent: int | None = None,
) -> bytes:
    """Write a Label Studio JSON task list (UTF-8 bytes) importable with its annotations.

    ``data.image`` is ``image_root + file_name``. ``from_names`` maps geometry types to the
    control tag names of the labeling config (defaults: ``DEFAULT_FROM_NAMES``, as
    :func:`label_studio_config` writes them). Images need sizes unless they only have tags;
    multi-ring polygons cannot be written. Raises FormatError naming every such annotation.
    """
    names = {**DEFAULT_FROM_NAMES, **(from_names or {})}
    problems = ProblemCollector("<label studio output>")
    by_image: dict[str, list[Annotation]] = {image.file_name: [] for image in dataset.images}
    for ann in dataset.annotations:
        by_image[ann.image].append(ann)
    tasks = []
    for index, image in enumerate(dataset.images):
        task_id = image.image_id if isinstance(image.image_id, int) else index + 1
        writer = _TaskWriter(image, names, to_name, problems)
        humans: dict[str | None, list[dict[str, Any]]] = {}
        models: dict[str, list[tuple[dict[str, Any], float | None]]] = {}
        ground_truth: dict[str | None, bool] = {}
        for position, ann in enumerate(by_image[image.file_name]):
            result = writer.result(ann, f"{image.file_name} annotations[{position}]")
            if result is None:
                continue
            if ann.source == "prelabel":
                version = str(ann.attributes.get("model_version", default_model_version))
                models.setdefault(version, []).append((result, ann.score))
            else:
                humans.setdefault(ann.annotator, []).append(result)
                if ann.attributes.get("ground_truth"):
                    ground_truth[ann.annotator] = True
        annotations = []
        for number, (annotator, results) in enumerate(humans.items(), start=1):
            entry: dict[str, Any] = {
                "id": number,
                "result": results,
                "was_cancelled": False,
                "ground_truth": ground_truth.get(annotator, False),
            }
            if annotator is not None:
                entry["completed_by"] = (
                    int(annotator) if annotator.isdigit() else {"email": annotator}
                )
            annotations.append(entry)
        predictions = []
        for version, scored in models.items():
            scores = [s for _, s in scored if s is not None]
            prediction: dict[str, Any] = {
                "model_version": version,
                "result": [result for result, _ in scored],
            }
            if scores:
                prediction["score"] = sum(scores) / len(scores)
            predictions.append(prediction)
        tasks.append(
            {
                "id": task_id,
                "data": {"image": image_root + image.file_name},
                "annotations": annotations,
                "predictions": predictions,
            }
        )
    problems.raise_if_any()
    return json.dumps(tasks, indent=indent).encode("utf-8")


class _TaskWriter:
    def __init__(
        self,
        image: ImageRecord,
        from_names: Mapping[str, str],
        to_name: str,
        problems: ProblemCollector,
    ) -> None:
        self.image = image
        self.from_names = from_names
        self.to_name = to_name
        self.problems = problems
        self.count = 0

    def result(self, ann: Annotation, record: str) -> dict[str, Any] | None:
        self.count += 1
        result_type = _RESULT_TYPES[ann.geometry]
        result: dict[str, Any] = {
            "id": ann.ann_id if isinstance(ann.ann_id, str) and ann.ann_id else f"r{self.count}",
            "type": result_type,
            "from_name": self.from_names[ann.geometry],
            "to_name": self.to_name,
            "origin": "prediction" if ann.source == "prelabel" else "manual",
        }
        if ann.source == "prelabel" and ann.score is not None:
            result["score"] = ann.score
        if ann.geometry == "tag":
            result["value"] = {"choices": [ann.category]}
            return result
        width, height = self.image.width, self.image.height
        if width is None or height is None:
            self.problems.add(record, "image", "Label Studio regions need the image size")
            return None
        result.update(original_width=width, original_height=height, image_rotation=0)
        value = self._value(ann, record, width, height)
        if value is None:
            return None
        value[result_type] = [ann.category]
        result["value"] = value
        return result

    def _value(
        self, ann: Annotation, record: str, width: int, height: int
    ) -> dict[str, Any] | None:
        if ann.geometry == "box":
            assert ann.box is not None
            x, y, w, h = ann.box
            return {
                "x": x / width * 100,
                "y": y / height * 100,
                "width": w / width * 100,
                "height": h / height * 100,
                "rotation": 0,
            }
        if ann.geometry == "polygon":
            assert ann.polygon is not None
            if len(ann.polygon) != 1:
                self.problems.add(record, "polygon", "Label Studio polygons have one ring")
                return None
            ring = ann.polygon[0]
            points = [
                [ring[i] / width * 100, ring[i + 1] / height * 100] for i in range(0, len(ring), 2)
            ]
            return {"points": points, "closed": True}
        assert ann.mask is not None
        mask = decode_coco_mask(ann.mask)
        return {"format": "rle", "rle": mask_to_ls_rle(mask)}


def label_studio_config(
    dataset: Dataset,
    *,
    from_names: Mapping[str, str] | None = None,
    to_name: str = "image",
) -> str:
    """A Label Studio labeling config (XML text) with one control per geometry type used.

    Import it as the project's labeling interface before importing ``write_label_studio``'s
    tasks, so every result's ``from_name`` and label value exist in the project.
    """
    names = {**DEFAULT_FROM_NAMES, **(from_names or {})}
    used = [g for g in _CONFIG_TAGS if any(a.geometry == g for a in dataset.annotations)]
    view = ET.Element("View")
    ET.SubElement(view, "Image", {"name": to_name, "value": "$image"})
    for geometry in used or ["box"]:
        attributes = {"name": names[geometry], "toName": to_name}
        if geometry == "tag":
            attributes["choice"] = "multiple"
        control = ET.SubElement(view, _CONFIG_TAGS[geometry], attributes)
        child = "Choice" if geometry == "tag" else "Label"
        for category in dataset.categories:
            ET.SubElement(control, child, {"value": category})
    ET.indent(view)
    return ET.tostring(view, encoding="unicode")
