"""Shared builders and comparisons for the format tests (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from labelqc.formats import Annotation, Dataset, ImageRecord
from labelqc.formats.masks import decode_coco_mask, encode_coco_mask

FIXTURES = Path(__file__).parent / "fixtures"


def blob_mask(height: int, width: int) -> np.ndarray:
    """A two-part binary mask with holes in rows, to exercise run boundaries."""
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[height // 6 : height // 2, width // 4 : 3 * width // 4] = 1
    mask[height // 4, width // 3 : width // 2] = 0
    mask[2 * height // 3 : height - 1, 1:4] = 1
    return mask


def sample_dataset(*, annotators: tuple[str | None, ...] = ("alice", "bob")) -> Dataset:
    """Three images, three classes, boxes/polygons/masks/tags by each annotator."""
    images = (
        ImageRecord("a.png", 64, 48, image_id=1),
        ImageRecord("b.png", 40, 30, image_id=2),
        ImageRecord("c.png", 32, 32, image_id=3),
    )
    anns: list[Annotation] = []
    for shift, annotator in enumerate(annotators):
        d = float(shift)
        anns += [
            Annotation(
                "a.png",
                "cat",
                "box",
                box=(1.5 + d, 2.25, 10.0, 5.5),
                annotator=annotator,
                attributes={"occluded": True},
            ),
            Annotation(
                "a.png",
                "dog",
                "polygon",
                box=(5 + d, 5, 10, 12),
                polygon=((5 + d, 5, 15 + d, 5, 15 + d, 17, 5 + d, 17),),
                annotator=annotator,
            ),
            Annotation(
                "b.png",
                "car",
                "box",
                box=(0, 0, 40, 30),
                annotator=annotator,
                attributes={"truncated": True},
            ),
            Annotation("c.png", "car", "box", box=(3.0 + d, 4.0, 7.0, 9.0), annotator=annotator),
        ]
    mask = encode_coco_mask(blob_mask(48, 64))
    anns.append(
        Annotation("a.png", "car", "mask", box=_mask_box(mask), mask=mask, annotator=annotators[0])
    )
    anns.append(
        Annotation(
            "c.png",
            "dog",
            "box",
            box=(10, 10, 5, 5),
            source="prelabel",
            score=0.75,
            attributes={"model_version": "sam2-t"},
        )
    )
    return Dataset(images=images, categories=("cat", "dog", "car"), annotations=tuple(anns))


def _mask_box(mask: dict) -> tuple[float, float, float, float]:
    from labelqc.formats.masks import coco_rle_bbox

    return coco_rle_bbox(mask)


def only(dataset: Dataset, *geometries: str) -> Dataset:
    """The dataset restricted to some geometry types."""
    kept = tuple(a for a in dataset.annotations if a.geometry in geometries)
    return Dataset(dataset.images, dataset.categories, kept)


def single_annotator(dataset: Dataset, annotator: str | None) -> Dataset:
    """The dataset restricted to one annotator's work."""
    kept = tuple(a for a in dataset.annotations if a.annotator == annotator)
    return Dataset(dataset.images, dataset.categories, kept)


def shape_key(ann: Annotation) -> tuple:
    """What identifies an object independent of order: image, class, annotator, geometry."""
    return (ann.image, ann.category, ann.annotator, ann.geometry)


def assert_same_shapes(
    expected: Dataset,
    actual: Dataset,
    *,
    tol: float = 1e-6,
    check_annotator: bool = True,
    image_key=None,
) -> None:
    """Every annotation of ``expected`` is in ``actual`` with the same geometry (within tol)."""
    rename = image_key or (lambda name: name)
    assert len(actual.annotations) == len(expected.annotations)
    assert set(actual.categories) >= {a.category for a in expected.annotations}

    def key(ann: Annotation) -> tuple:
        box = tuple(round(v, 1) for v in ann.box) if ann.box else ()
        who = ann.annotator if check_annotator else None
        return (rename(ann.image), ann.category, who, ann.geometry, box)

    remaining = sorted(actual.annotations, key=lambda a: str(key(a)))
    for ann in sorted(expected.annotations, key=lambda a: str(key(a))):
        match = next(
            (
                other
                for other in remaining
                if key(other)[:4] == key(ann)[:4] and _close(ann, other, tol)
            ),
            None,
        )
        assert match is not None, f"no match for {ann}"
        remaining.remove(match)


def _close(a: Annotation, b: Annotation, tol: float) -> bool:
    if a.box is not None and (b.box is None or not np.allclose(a.box, b.box, atol=tol)):
        return False
    if a.polygon is not None:
        if b.polygon is None or len(a.polygon) != len(b.polygon):
            return False
        if not all(np.allclose(x, y, atol=tol) for x, y in zip(a.polygon, b.polygon, strict=True)):
            return False
    return a.mask is None or (
        b.mask is not None and np.array_equal(decode_coco_mask(a.mask), decode_coco_mask(b.mask))
    )


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    """Write a {relative_path: bytes} mapping under root."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_images(directory: Path, dataset: Dataset, strip_subset: bool = False) -> None:
    """Blank PNGs of each image's size, so tools that open images can."""
    for image in dataset.images:
        name = image.file_name.split("/", 1)[1] if strip_subset else image.file_name
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (image.width, image.height)).save(path)
