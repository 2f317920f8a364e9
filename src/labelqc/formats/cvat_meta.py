"""What a CVAT XML file's ``<meta>`` says: labels, attribute types, frame size, assignees."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from labelqc.formats._io import parse_float


class CvatMeta:
    """What ``<meta>`` says: labels, attribute types, frame size, assignees."""

    def __init__(self, meta: Element | None, annotator: str | None) -> None:
        self.labels: dict[str, None] = {}
        self.attribute_types: dict[str, str] = {}
        self.frame_size: tuple[int, int] | None = None
        self.default_annotator = annotator
        self.task_annotators: dict[str, str] = {}
        self.forced = annotator is not None
        if meta is None:
            return
        for label in meta.iter("label"):
            label_name = label.findtext("name")
            if label_name:
                self.labels.setdefault(label_name, None)
            for attribute in label.iter("attribute"):
                attr_name = attribute.findtext("name")
                if attr_name:
                    self.attribute_types[attr_name] = (
                        attribute.findtext("input_type") or ""
                    ).strip()
        size = meta.find(".//original_size")
        if size is not None:
            width, height = (
                parse_float(size.findtext("width")),
                parse_float(size.findtext("height")),
            )
            if width and height:
                self.frame_size = (int(width), int(height))
        if self.forced:
            return
        job_assignee = _username(meta.find("job/assignee"))
        task_assignee = _username(meta.find("task/assignee"))
        self.default_annotator = job_assignee or task_assignee
        for task in meta.iterfind("project/tasks/task"):
            task_id, assignee = task.findtext("id"), _username(task.find("assignee"))
            if task_id and assignee:
                self.task_annotators[task_id.strip()] = assignee

    def annotator_for(self, task_id: str | None) -> str | None:
        if not self.forced and task_id is not None and task_id in self.task_annotators:
            return self.task_annotators[task_id]
        return self.default_annotator

    def typed(self, attr_name: str, text: str) -> Any:
        kind = self.attribute_types.get(attr_name)
        if kind == "checkbox" or (kind is None and text in ("true", "false")):
            return text.strip().lower() == "true"
        if kind == "number":
            value = parse_float(text)
            return text if value is None else value
        return text


def _username(element: Element | None) -> str | None:
    if element is None:
        return None
    text = (element.findtext("username") or "").strip()
    return text or None
