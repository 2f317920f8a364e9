"""Ultralytics YOLO: detection and segmentation label files plus ``data.yaml``.

One ``labels/<subset>/<image stem>.txt`` per image, one object per line, coordinates
normalised by the image's width and height:

* detection: ``class cx cy w h`` (box centre and size), optionally followed by a confidence;
* segmentation: ``class x1 y1 x2 y2 ...`` (polygon vertices), optionally followed by a
  confidence.

YOLO files hold no image sizes: the reader takes them from ``image_sizes`` or from the image
files' headers. The reader also accepts the Darknet layout (``obj.names``, ``obj.data`` and
its image lists) that CVAT and datumaro export.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import yaml

from labelqc.formats._io import (
    DEFAULT_MAX_BYTES,
    FileTree,
    Progress,
    ProgressCallback,
    TreeSource,
    parse_float,
)
from labelqc.formats.errors import FormatError, ProblemCollector
from labelqc.formats.model import (
    Annotation,
    Dataset,
    ImageRecord,
    box_problems,
    check_single_annotator,
    polygon_bbox,
    polygon_problems,
    unsupported_geometry,
)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
_DARKNET_RESERVED = {"classes", "names", "backup", "eval"}


def read_yolo(
    source: TreeSource,
    *,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    bounds_tolerance: float = 1.0,
    progress: ProgressCallback | None = None,
) -> Dataset:
    """Read a YOLO dataset folder (a directory path or a ``{relative_path: bytes}`` mapping).

    ``image_sizes`` maps image file names (e.g. ``"a.jpg"``) to ``(width, height)``; images
    not listed there are sized from their files in the folder. Label lines with 4 (or 5, the
    last a confidence) numbers are boxes, longer ones polygons; lines with a confidence become
    ``source="prelabel"`` with that ``score``. Raises FormatError listing every problem
    (unknown class index, label file without an image, image of unknown size, malformed
    numbers, geometry outside the image).
    """
    tree = FileTree(source, max_bytes=max_bytes)
    problems = ProblemCollector(tree.name)
    paths = tree.paths()
    if any(p == "data.yaml" for p in paths) or [p for p in paths if _is_root_yaml(p)]:
        names, splits = _ultralytics_layout(tree, paths, problems)
    elif "obj.names" in paths:
        names, splits = _darknet_layout(tree, paths, problems)
    else:
        raise problems.fail("<folder>", "data.yaml", "no data.yaml (Ultralytics) or obj.names")
    sizes = dict(image_sizes or {})

    images: dict[str, ImageRecord] = {}
    annotations: list[Annotation] = []
    label_count = sum(len(labels) for _, labels, _ in splits)
    tracker = Progress(progress, label_count)
    for subset, labels, image_paths in splits:
        stems = {PurePosixPath(p).stem: p for p in image_paths}
        sized_stems = {PurePosixPath(k).stem: k for k in sizes}
        for image_path in image_paths:
            _add_image(tree, PurePosixPath(image_path).name, image_path, subset, sizes, images)
        for label_path in labels:
            tracker.advance()
            stem = PurePosixPath(label_path).stem
            image_path = stems.get(stem)
            file_name = PurePosixPath(image_path).name if image_path else sized_stems.get(stem)
            if file_name is None:
                problems.add(label_path, "file", "no image with this stem (add it to image_sizes)")
                continue
            image = images.get(file_name) or _add_image(
                tree, file_name, image_path, subset, sizes, images
            )
            if image.width is None or image.height is None:
                problems.add(label_path, "image_size", f"size of {file_name!r} unknown")
                continue
            text = tree.read(label_path).decode("utf-8", errors="replace")
            annotations += _parse_label_file(
                text, label_path, image, names, bounds_tolerance, problems
            )
    problems.raise_if_any()
    tracker.finish()
    return Dataset(
        images=tuple(images.values()),
        categories=tuple(names[k] for k in sorted(names)),
        annotations=tuple(annotations),
    )


def _is_root_yaml(path: str) -> bool:
    return "/" not in path and path.endswith((".yaml", ".yml"))


def _add_image(
    tree: FileTree,
    file_name: str,
    image_path: str | None,
    subset: str,
    sizes: Mapping[str, tuple[int, int]],
    images: dict[str, ImageRecord],
) -> ImageRecord:
    if file_name in images:
        if images[file_name].subset != subset:
            raise FormatError(
                tree.name,
                image_path or file_name,
                "file_name",
                f"{file_name!r} appears in subsets {images[file_name].subset!r} and {subset!r}",
            )
        return images[file_name]
    size = sizes.get(file_name)
    if size is None and image_path is not None:
        size = tree.image_size(image_path)
    width, height = (int(size[0]), int(size[1])) if size else (None, None)
    image = ImageRecord(file_name=file_name, width=width, height=height, subset=subset)
    images[file_name] = image
    return image


def _ultralytics_layout(
    tree: FileTree, paths: list[str], problems: ProblemCollector
) -> tuple[dict[int, str], list[tuple[str, list[str], list[str]]]]:
    yaml_path = "data.yaml" if "data.yaml" in paths else next(p for p in paths if _is_root_yaml(p))
    try:
        config = yaml.safe_load(tree.read(yaml_path).decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise problems.fail(yaml_path, "yaml", f"malformed YAML: {exc}") from exc
    if not isinstance(config, dict):
        raise problems.fail(yaml_path, "yaml", "must be a mapping")
    names = _names_from_config(config.get("names"), yaml_path, problems)
    base = config.get("path")
    base_dir = PurePosixPath(base) if isinstance(base, str) and not base.startswith("/") else None
    splits = []
    declared = False
    used_dirs: set[str] = set()
    for key, value in config.items():
        if key in ("path", "names", "nc", "download") or value is None:
            continue
        dirs = value if isinstance(value, list) else [value]
        if not all(isinstance(d, str) for d in dirs):
            continue
        declared = True
        image_paths: list[str] = []
        labels: list[str] = []
        for image_dir in dirs:
            rel = _normalise(base_dir / image_dir if base_dir else PurePosixPath(image_dir))
            # A split that reuses another's folder (val: images/train) adds no new images.
            if rel in used_dirs:
                continue
            used_dirs.add(rel)
            label_dir = _labels_dir(rel)
            image_paths += [
                p for p in paths if _under(p, rel) and p.lower().endswith(IMAGE_EXTENSIONS)
            ]
            labels += [p for p in paths if _under(p, label_dir) and p.endswith(".txt")]
        if labels or image_paths:
            splits.append((str(key), sorted(set(labels)), sorted(set(image_paths))))
    if not declared:
        raise problems.fail(yaml_path, "train", "no subset (train/val/test) listed")
    return names, splits


def _names_from_config(raw: Any, where: str, problems: ProblemCollector) -> dict[int, str]:
    if isinstance(raw, list) and all(isinstance(n, str) and n for n in raw):
        return dict(enumerate(raw))
    if isinstance(raw, dict) and all(
        isinstance(k, int) and isinstance(v, str) and v for k, v in raw.items()
    ):
        return dict(raw)
    raise problems.fail(where, "names", "must be a list of names or a {index: name} mapping")


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part in (".", ""):
            continue
        if part == ".." and parts:
            parts.pop()
        elif part != "..":
            parts.append(part)
    return "/".join(parts)


def _labels_dir(image_dir: str) -> str:
    parts = image_dir.split("/")
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] == "images":
            parts[index] = "labels"
            return "/".join(parts)
    return image_dir


def _under(path: str, directory: str) -> bool:
    return directory == "" or path.startswith(directory.rstrip("/") + "/")


def _darknet_layout(
    tree: FileTree, paths: list[str], problems: ProblemCollector
) -> tuple[dict[int, str], list[tuple[str, list[str], list[str]]]]:
    lines = tree.read("obj.names").decode("utf-8", errors="replace").splitlines()
    names = dict(enumerate(line.strip() for line in lines if line.strip()))
    config: dict[str, str] = {}
    if "obj.data" in paths:
        for line in tree.read("obj.data").decode("utf-8", errors="replace").splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() not in _DARKNET_RESERVED:
                config[key.strip()] = value.strip()
    splits = []
    for subset, list_path in config.items():
        rel_list = list_path.removeprefix("data/")
        if rel_list not in paths:
            problems.add("obj.data", subset, f"image list {list_path!r} not found")
            continue
        entries = tree.read(rel_list).decode("utf-8", errors="replace").splitlines()
        images = [e.strip().removeprefix("data/") for e in entries if e.strip()]
        labels = [str(PurePosixPath(p).with_suffix(".txt")) for p in images]
        splits.append(
            (subset, [p for p in labels if p in paths], [p for p in images if p in paths])
        )
    return names, splits


def _parse_label_file(
    text: str,
    label_path: str,
    image: ImageRecord,
    names: Mapping[int, str],
    tolerance: float,
    problems: ProblemCollector,
) -> list[Annotation]:
    assert image.width is not None and image.height is not None
    width, height = image.width, image.height
    out: list[Annotation] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        record = f"{label_path} line {line_no}"
        values = [parse_float(v) for v in fields[1:]]
        if not fields[0].isdigit() or int(fields[0]) not in names:
            problems.add(record, "class", f"unknown class index {fields[0]!r}")
            continue
        if any(v is None for v in values) or len(values) < 4:
            problems.add(record, "coordinates", "needs 4+ finite numbers after the class")
            continue
        coords: list[float] = [v for v in values if v is not None]
        score = None
        if len(coords) in (5,) or (len(coords) >= 7 and len(coords) % 2):
            score = coords.pop()
        if len(coords) == 4:
            cx, cy, w, h = coords
            box = ((cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height)
            reasons = box_problems(box, width, height, tolerance)
            polygon = None
        else:
            ring = tuple(v * (width if i % 2 == 0 else height) for i, v in enumerate(coords))
            polygon = (ring,)
            reasons = polygon_problems(polygon, width, height, tolerance)
            box = polygon_bbox(polygon) if not reasons else (0.0, 0.0, 0.0, 0.0)
        for reason in reasons:
            problems.add(record, "coordinates", reason)
        if reasons:
            continue
        out.append(
            Annotation(
                image=image.file_name,
                category=names[int(fields[0])],
                geometry="box" if polygon is None else "polygon",
                box=box,
                polygon=polygon,
                source="human" if score is None else "prelabel",
                score=score,
            )
        )
    return out


def write_yolo(
    dataset: Dataset,
    *,
    task: str | None = None,
    as_boxes: bool = False,
    scores: bool = False,
    unsupported: str = "error",
    merge_annotators: bool = False,
    default_subset: str = "train",
) -> dict[str, bytes]:
    """Write YOLO label files and ``data.yaml`` as ``{relative_path: bytes}``.

    ``task="detect"`` writes boxes (polygons and masks only with ``as_boxes=True``, as their
    bounding boxes); ``"segment"`` writes polygons (boxes as their 4 corners). The default is
    ``"segment"`` when the dataset has polygons, else ``"detect"``. Coordinates are clipped to
    the image and written with 6 decimals; ``scores=True`` appends each score. Every image gets
    a label file (empty when it has no objects) under ``labels/<subset>/``; copy the images to
    ``images/<subset>/`` beside them. Several annotators raise unless ``merge_annotators``.
    """
    file = "<yolo output>"
    check_single_annotator(dataset, file, merge_annotators)
    has_polygons = any(a.geometry == "polygon" for a in dataset.annotations)
    task = task or ("segment" if has_polygons else "detect")
    if task not in ("detect", "segment"):
        raise ValueError(f"task must be 'detect' or 'segment', not {task!r}")
    supported = (
        ("box", "polygon", "mask")
        if task == "detect" and as_boxes
        else (("box",) if task == "detect" else ("box", "polygon"))
    )
    kept = unsupported_geometry(dataset, supported, file, unsupported)
    problems = ProblemCollector(file)
    class_index = {name: i for i, name in enumerate(dataset.categories)}
    lines: dict[str, list[str]] = {image.file_name: [] for image in dataset.images}
    images = dataset.image_index()
    for index, ann in enumerate(kept):
        image = images[ann.image]
        if image.width is None or image.height is None:
            problems.add(f"annotations[{index}] ({ann.image})", "image", "image size unknown")
            continue
        line = _label_line(ann, class_index[ann.category], image.width, image.height, task)
        if line is None:
            problems.add(f"annotations[{index}] ({ann.image})", "polygon", "multi-ring polygon")
            continue
        if scores and ann.score is not None:
            line += f" {ann.score:.6f}"
        lines[ann.image].append(line)
    files: dict[str, bytes] = {}
    subsets: list[str] = []
    for image in dataset.images:
        subset = image.subset or default_subset
        if subset not in subsets:
            subsets.append(subset)
        path = f"labels/{subset}/{PurePosixPath(image.file_name).stem}.txt"
        if path in files:
            problems.add(image.file_name, "file_name", f"two images share the label file {path}")
        text = "\n".join(lines[image.file_name])
        files[path] = (text + "\n" if text else "").encode("utf-8")
    problems.raise_if_any()
    config: dict[str, Any] = {s: f"images/{s}" for s in subsets}
    if "val" not in config and subsets:
        config["val"] = f"images/{subsets[0]}"  # Ultralytics requires a val split
    config["nc"] = len(dataset.categories)
    config["names"] = dict(enumerate(dataset.categories))
    files["data.yaml"] = yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode()
    return files


def _label_line(ann: Annotation, cls: int, width: int, height: int, task: str) -> str | None:
    if task == "detect":
        assert ann.box is not None
        x, y, w, h = ann.box
        x0, y0 = min(max(x, 0.0), width), min(max(y, 0.0), height)
        x1, y1 = min(max(x + w, 0.0), width), min(max(y + h, 0.0), height)
        values = [
            (x0 + x1) / 2 / width,
            (y0 + y1) / 2 / height,
            (x1 - x0) / width,
            (y1 - y0) / height,
        ]
    else:
        if ann.geometry == "box":
            assert ann.box is not None
            x, y, w, h = ann.box
            ring: tuple[float, ...] = (x, y, x + w, y, x + w, y + h, x, y + h)
        else:
            assert ann.polygon is not None
            if len(ann.polygon) != 1:
                return None
            ring = ann.polygon[0]
        values = [
            min(max(v / (width if i % 2 == 0 else height), 0.0), 1.0) for i, v in enumerate(ring)
        ]
    return " ".join([str(cls), *(f"{v:.6f}" for v in values)])
