"""Property: read(write(dataset)) keeps every shape, class and annotator, per format."""

from __future__ import annotations

import numpy as np
from formats_helpers import assert_same_shapes
from hypothesis import given, settings
from hypothesis import strategies as st

from labelqc.formats import (
    Annotation,
    Dataset,
    ImageRecord,
    read_coco,
    read_cvat,
    read_label_studio,
    read_voc,
    read_yolo,
    write_coco,
    write_cvat,
    write_label_studio,
    write_voc,
    write_yolo,
)
from labelqc.formats.masks import coco_rle_bbox, encode_coco_mask

CATEGORIES = ("cat", "dog", "car")


@st.composite
def datasets(draw, geometries=("box", "polygon", "mask"), annotators=("ann1", "ann2", None)):
    count = draw(st.integers(1, 3))
    images = tuple(
        ImageRecord(f"img{i}.png", draw(st.integers(4, 40)), draw(st.integers(4, 40)))
        for i in range(count)
    )
    anns = []
    for _ in range(draw(st.integers(0, 8))):
        image = draw(st.sampled_from(images))
        width, height = image.width, image.height
        geometry = draw(st.sampled_from(geometries))
        category = draw(st.sampled_from(CATEGORIES))
        annotator = draw(st.sampled_from(annotators))
        x = draw(st.floats(0, width - 1, allow_nan=False))
        y = draw(st.floats(0, height - 1, allow_nan=False))
        w = draw(st.floats(0.5, width - x, allow_nan=False))
        h = draw(st.floats(0.5, height - y, allow_nan=False))
        if geometry == "box":
            anns.append(
                Annotation(image.file_name, category, "box", box=(x, y, w, h), annotator=annotator)
            )
        elif geometry == "polygon":
            ring = (x, y, x + w, y, x + w / 2, y + h)
            anns.append(
                Annotation(
                    image.file_name,
                    category,
                    "polygon",
                    box=(x, y, w, h),
                    polygon=(ring,),
                    annotator=annotator,
                )
            )
        else:
            mask = np.zeros((height, width), dtype=np.uint8)
            mask[int(y) : int(y + h) + 1, int(x) : int(x + w) + 1] = 1
            rle = encode_coco_mask(mask)
            anns.append(
                Annotation(
                    image.file_name,
                    category,
                    "mask",
                    box=coco_rle_bbox(rle),
                    mask=rle,
                    annotator=annotator,
                )
            )
    return Dataset(images, CATEGORIES, tuple(anns))


@settings(max_examples=25, deadline=None)
@given(datasets())
def test_coco(dataset: Dataset) -> None:
    assert_same_shapes(dataset, read_coco(write_coco(dataset)))


@settings(max_examples=25, deadline=None)
@given(datasets())
def test_label_studio(dataset: Dataset) -> None:
    assert_same_shapes(dataset, read_label_studio(write_label_studio(dataset)), tol=1e-9)


@settings(max_examples=25, deadline=None)
@given(datasets(annotators=("ann1",)))
def test_cvat(dataset: Dataset) -> None:
    # CVAT text keeps 6 decimals.
    assert_same_shapes(dataset, read_cvat(write_cvat(dataset)), tol=1e-5)


@settings(max_examples=25, deadline=None)
@given(datasets(geometries=("box",), annotators=(None,)))
def test_yolo(dataset: Dataset) -> None:
    sizes = {i.file_name: (i.width, i.height) for i in dataset.images}
    back = read_yolo(write_yolo(dataset), image_sizes=sizes)
    assert_same_shapes(dataset, back, tol=1e-4, check_annotator=False)


@settings(max_examples=25, deadline=None)
@given(datasets(geometries=("box", "polygon"), annotators=(None,)))
def test_yolo_segment(dataset: Dataset) -> None:
    sizes = {i.file_name: (i.width, i.height) for i in dataset.images}
    back = read_yolo(write_yolo(dataset, task="segment"), image_sizes=sizes)

    # Boxes come back as 4-corner polygons, so compare bounding boxes per image and class.
    def boxes(d: Dataset) -> list[tuple]:
        return sorted((a.image, a.category, *np.round(a.box, 3)) for a in d.annotations)

    assert [b[:2] for b in boxes(back)] == [b[:2] for b in boxes(dataset)]
    assert np.allclose([b[2:] for b in boxes(back)], [b[2:] for b in boxes(dataset)], atol=2e-3)


@settings(max_examples=25, deadline=None)
@given(datasets(geometries=("box",), annotators=(None,)))
def test_voc(dataset: Dataset) -> None:
    back = read_voc(write_voc(dataset, snap_to_pixels=False))
    assert_same_shapes(dataset, back, tol=1e-5, check_annotator=False)
