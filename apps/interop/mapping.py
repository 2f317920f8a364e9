"""From a read Dataset to annotation records of one project: items, classes, annotators, shapes.

Every problem is collected (not just the first) as ``{file, record, field, message}``. Shapes
the reader accepted within its tolerance of the image border are clipped to the image (the
annotation service allows none); polygons with several rings become one mask.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pandas as pd
from django.contrib.auth import get_user_model

from apps.annotations.models import Source
from apps.common.roles import Role
from apps.interop.selectors import member_lookup, taxonomy
from apps.interop.sources import ImportSource, image_digests
from apps.projects.services import annotator_add, label_class_create
from labelqc.formats import (
    Annotation,
    Dataset,
    FormatError,
    ImageRecord,
    map_categories,
    map_images,
)
from labelqc.formats.masks import polygon_to_coco_rle

if TYPE_CHECKING:
    from apps.interop.services.imports import ImportOptions

Problem = dict[str, str]
MAX_USERNAME = 150


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` name the file, record and field of each problem."""

    def __init__(self, errors: list[Problem]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s), first: {errors[0] if errors else None}")


def problems_of(exc: FormatError, file: str) -> list[Problem]:
    """A reader's problems as job errors; placeholder file names (``<items>``) become ``file``."""
    return [
        {
            "file": file if p.file.startswith("<") else p.file,
            "record": p.record,
            "field": p.field,
            "message": p.message,
        }
        for p in exc.problems
    ]


def origin_of(index: int, ann: Annotation) -> str:
    ident = f", id {ann.ann_id}" if ann.ann_id is not None else ""
    return f"annotations[{index}] (image {ann.image!r}{ident})"


@dataclasses.dataclass
class ImportPlan:
    """What an import will write, once every check has passed."""

    file: str
    fmt: str
    annotations: list[tuple[int, Annotation]]
    item_ids: dict[str, int]
    item_sizes: dict[int, tuple[int, int]]
    class_ids: dict[str, int]
    member_ids: dict[str, int]
    new_classes: list[str]
    new_members: list[str]
    source: str
    default_annotator: str
    notes: list[str]
    clipped: int = 0
    rasterised: int = 0

    def origin(self, record_index: int) -> str:
        index, ann = self.annotations[record_index]
        return origin_of(index, ann)

    def create_classes_and_members(self, *, actor: Any, project_id: int) -> None:
        """Create the missing classes and annotators (audited); call inside the write atomic."""
        for name in self.new_classes:
            created = label_class_create(actor=actor, project_id=project_id, data={"name": name})
            self.class_ids[name] = created.pk
        users = get_user_model()
        for name in self.new_members:
            user = users.objects.filter(username=name).first()
            if user is None:
                user = users.objects.create_user(
                    username=name, email=name if "@" in name else "", password=None
                )
            member = annotator_add(
                actor=actor, project_id=project_id, user=user, role=Role.ANNOTATOR
            )
            self.member_ids[name] = member.pk

    def records(self) -> list[dict[str, Any]]:
        return [self._record(ann) for _, ann in self.annotations]

    def _record(self, ann: Annotation) -> dict[str, Any]:
        item_id = self.item_ids[ann.image]
        width, height = self.item_sizes[item_id]
        geometry_type, geometry = self._geometry(ann, width, height)
        source = Source.PRELABEL if ann.source == "prelabel" else self.source
        attributes = dict(ann.attributes)
        name = ann.annotator or self.default_annotator or None
        author = None if source == Source.GOLD or name is None else self.member_ids[name]
        model_id = ""
        if source == Source.PRELABEL:
            model_id = str(
                attributes.get("model_version") or ("" if author else f"import:{self.fmt}")
            )
        return {
            "item": item_id,
            "label_class": self.class_ids[ann.category],
            "geometry_type": geometry_type,
            "geometry": geometry,
            "attributes": attributes,
            "score": ann.score,
            "source": source,
            "author": author,
            "model_id": model_id[:200],
            "created_at": None,
        }

    def _geometry(self, ann: Annotation, width: int, height: int) -> tuple[str, dict[str, Any]]:
        if ann.geometry == "box":
            assert ann.box is not None
            x, y, w, h = ann.box
            x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
            x1, y1 = min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)
            self.clipped += (x0, y0, x1, y1) != (x, y, x + w, y + h)
            return "box", {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}
        if ann.geometry == "polygon":
            assert ann.polygon is not None
            rings = [
                [min(max(v, 0.0), width if i % 2 == 0 else height) for i, v in enumerate(ring)]
                for ring in ann.polygon
            ]
            self.clipped += rings != [list(ring) for ring in ann.polygon]
            if len(rings) == 1:
                return "polygon", {"points": rings[0]}
            self.rasterised += 1
            return "mask", {"rle": polygon_to_coco_rle(rings, height, width)}
        if ann.geometry == "mask":
            assert ann.mask is not None
            return "mask", {"rle": dict(ann.mask)}
        return "tag", {}

    def summary(self, *, created: int, file: str, fmt: str) -> dict[str, Any]:
        by_source: dict[str, int] = {}
        for _, ann in self.annotations:
            source = Source.PRELABEL if ann.source == "prelabel" else self.source
            by_source[source] = by_source.get(source, 0) + 1
        return {
            "file": file,
            "format": fmt,
            "created": created,
            "by_source": by_source,
            "items": len(set(self.item_ids.values())),
            "classes_created": self.new_classes,
            "annotators_created": self.new_members,
            "clipped_to_image": self.clipped,
            "polygons_rasterised": self.rasterised,
            "notes": self.notes,
        }


def problem(file: str, record: str, field: str, message: str) -> Problem:
    return {"file": file, "record": record, "field": field, "message": message}


def plan_import(
    dataset: Dataset,
    *,
    source: ImportSource,
    items: pd.DataFrame,
    project_id: int,
    options: ImportOptions,
) -> ImportPlan:
    """Check the dataset against the project; raise ImportFailed listing every problem."""
    file = source.name
    problems: list[Problem] = []
    item_ids, sizes = _map_items(dataset, source, items, options.match_images_by, problems)
    known_classes = taxonomy(project_id=project_id)
    used_classes = list(dict.fromkeys(a.category for a in dataset.annotations))
    new_classes = [c for c in used_classes if c not in known_classes]
    if not options.create_missing_classes:
        _map(problems, file, lambda: map_categories(used_classes, known_classes))
        new_classes = []
    members = member_lookup(project_id=project_id)
    new_members = _check_annotators(dataset, options, members, file, problems)
    problems += [
        problem(file, origin_of(i, a), "score", f"{a.score:g} is not within [0, 1]")
        for i, a in enumerate(dataset.annotations)
        if a.score is not None and not 0.0 <= a.score <= 1.0
    ]
    if problems:
        raise ImportFailed(problems)
    return ImportPlan(
        file=file,
        fmt=options.format,
        annotations=list(enumerate(dataset.annotations)),
        item_ids=item_ids,
        item_sizes=sizes,
        class_ids={c: known_classes[c] for c in used_classes if c in known_classes},
        member_ids={
            n: members.get(n, members.get(n.lower(), 0))
            for n in _names(dataset, options)
            if n not in new_members
        },
        new_classes=new_classes,
        new_members=new_members,
        source=options.source,
        default_annotator=options.annotator,
        notes=list(dataset.notes),
    )


def _map_items(
    dataset: Dataset, source: ImportSource, items: pd.DataFrame, by: str, problems: list[Problem]
) -> tuple[dict[str, int], dict[int, tuple[int, int]]]:
    """Item ids of the annotated images, whose sizes must be the items' sizes."""
    file = source.name
    used = {a.image for a in dataset.annotations}
    images = [img for img in dataset.images if img.file_name in used]
    if by == "sha256":
        images = _with_digests(images, source)
        message = "no SHA-256 for this image: ship it in the zip or match by file_name"
        problems += [
            problem(file, f"image {img.file_name!r}", "sha256", message)
            for img in images
            if not img.sha256
        ]
        images = [img for img in images if img.sha256]
    item_ids = _map(problems, file, lambda: map_images(images, items, by=by))
    sizes = {
        int(i): (int(w), int(h))
        for i, w, h in zip(items["item_id"], items["width"], items["height"], strict=True)
    }
    for image in images:
        item_id = item_ids.get(image.file_name)
        if item_id is None or image.width is None or image.height is None:
            continue
        if (image.width, image.height) != sizes[item_id]:
            width, height = sizes[item_id]
            message = (
                f"the file says {image.width}x{image.height} but item {item_id} is {width}x{height}"
            )
            problems.append(problem(file, f"image {image.file_name!r}", "width/height", message))
    return item_ids, sizes


def _map(problems: list[Problem], file: str, call: Any) -> dict[str, int]:
    try:
        return call()
    except FormatError as exc:
        problems += problems_of(exc, file)
        return {}


def _with_digests(images: list[ImageRecord], source: ImportSource) -> list[ImageRecord]:
    lacking = [img.file_name for img in images if not img.sha256]
    digests = image_digests(source.image_files(), lacking) if lacking else {}
    return [
        dataclasses.replace(img, sha256=digests[img.file_name]) if img.file_name in digests else img
        for img in images
    ]


def _names(dataset: Dataset, options: ImportOptions) -> list[str]:
    """Annotator names the import credits (gold work is nobody's)."""
    names: dict[str, None] = {}
    for ann in dataset.annotations:
        is_gold = ann.source != "prelabel" and options.source == Source.GOLD
        name = ann.annotator or options.annotator
        if name and not is_gold:
            names.setdefault(name, None)
    return list(names)


def _check_annotators(
    dataset: Dataset,
    options: ImportOptions,
    members: dict[str, int],
    file: str,
    problems: list[Problem],
) -> list[str]:
    unknown = [n for n in _names(dataset, options) if n not in members and n.lower() not in members]
    human = options.source != Source.GOLD
    anonymous = sum(
        1
        for a in dataset.annotations
        if human and a.source != "prelabel" and not (a.annotator or options.annotator)
    )
    if anonymous:
        message = (
            f"{anonymous} human annotation(s) name no annotator: pass `annotator` (who drew "
            "them) or import them as gold"
        )
        problems.append(problem(file, "annotations", "annotator", message))
    if not options.create_missing_annotators:
        message = "not a member of this project (pass create_missing_annotators to add)"
        problems += [problem(file, f"annotator {n!r}", "annotator", message) for n in unknown]
        return []
    message = f"cannot be a user name (1 to {MAX_USERNAME} characters, no control characters)"
    problems += [
        problem(file, f"annotator {n!r}", "annotator", message)
        for n in unknown
        if not n.strip() or len(n) > MAX_USERNAME or any(c < " " or c == "\x7f" for c in n)
    ]
    return unknown
