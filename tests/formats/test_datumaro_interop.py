"""Our exports import in datumaro 1.x (an independent reader) with the same objects."""

from __future__ import annotations

import numpy as np
import pytest
from formats_helpers import (
    FIXTURES,
    only,
    sample_dataset,
    single_annotator,
    write_images,
    write_tree,
)

from labelqc.formats import (
    Annotation,
    Dataset,
    ImageRecord,
    read_cvat,
    read_voc,
    write_coco,
    write_cvat,
    write_voc,
    write_yolo,
)
from labelqc.formats.masks import decode_coco_mask

dm = pytest.importorskip("datumaro")
AnnotationType = dm.AnnotationType


def _label_names(dataset) -> list[str]:
    return [c.name for c in dataset.categories()[AnnotationType.label]]


def _objects_per_image(dataset, key=lambda a: a.id) -> dict[str, int]:
    return {item.id: len({key(a) for a in item.annotations}) for item in dataset}


def _expected_counts(dataset: Dataset) -> dict[str, int]:
    counts = {image.file_name.rsplit(".", 1)[0]: 0 for image in dataset.images}
    for ann in dataset.annotations:
        counts[ann.image.rsplit(".", 1)[0]] += 1
    return counts


def test_coco_export_imports_with_same_objects_masks_and_annotators(tmp_path) -> None:
    dataset = only(sample_dataset(), "box", "polygon", "mask")
    write_tree(tmp_path, {"annotations/instances_default.json": write_coco(dataset)})
    (tmp_path / "images/default").mkdir(parents=True)
    imported = dm.Dataset.import_from(str(tmp_path), "coco_instances")
    assert _label_names(imported) == list(dataset.categories)
    # datumaro adds a bbox beside each polygon/mask, sharing the COCO annotation id.
    assert _objects_per_image(imported) == _expected_counts(dataset)
    annotators = {a.attributes.get("annotator") for item in imported for a in item.annotations}
    assert annotators == {"alice", "bob", None}
    (mask,) = [a for item in imported for a in item.annotations if a.type == AnnotationType.mask]
    ours = next(a for a in dataset.annotations if a.geometry == "mask")
    assert np.array_equal(mask.image.astype(bool), decode_coco_mask(ours.mask).astype(bool))


def test_yolo_export_imports_with_same_boxes(tmp_path) -> None:
    dataset = single_annotator(only(sample_dataset(), "box"), "alice")
    write_tree(tmp_path, write_yolo(dataset))
    write_images(tmp_path / "images/train", dataset)
    imported = dm.Dataset.import_from(str(tmp_path), "yolo")
    assert _label_names(imported) == list(dataset.categories)
    assert _objects_per_image(imported) == _expected_counts(dataset)
    theirs = sorted(
        tuple(round(v, 3) for v in a.get_bbox()) for item in imported for a in item.annotations
    )
    ours = sorted(tuple(round(v, 3) for v in a.box) for a in dataset.annotations)
    assert theirs == ours


def test_voc_export_imports_with_same_boxes_in_one_based_mode(tmp_path) -> None:
    images = (ImageRecord("a.jpg", 20, 10), ImageRecord("b.jpg", 8, 8))
    anns = (
        Annotation("a.jpg", "cat", "box", box=(0, 0, 20, 10), attributes={"truncated": True}),
        Annotation("a.jpg", "dog", "box", box=(3, 2, 4, 5)),
        Annotation("b.jpg", "dog", "box", box=(1, 1, 6, 6)),
    )
    dataset = Dataset(images, ("cat", "dog"), anns)
    write_tree(tmp_path, write_voc(dataset))
    imported = dm.Dataset.import_from(str(tmp_path), "voc", coordinate_mode="voc-one-based")
    assert set(_label_names(imported)) >= {"cat", "dog"}
    assert _objects_per_image(imported, key=id) == {"a": 2, "b": 1}
    theirs = sorted(tuple(a.get_bbox()) for item in imported for a in item.annotations)
    assert theirs == sorted(a.box for a in anns)
    flags = [a.attributes.get("truncated") for item in imported for a in item.annotations]
    assert flags.count(True) == 1


def test_voc_sample_reads_like_datumaro_one_based() -> None:
    theirs = dm.Dataset.import_from(
        str(FIXTURES / "voc"), "voc_detection", coordinate_mode="voc-one-based"
    )
    boxes = sorted(tuple(a.get_bbox()) for item in theirs for a in item.annotations)
    ours = sorted(a.box for a in read_voc(FIXTURES / "voc").annotations)
    assert boxes == ours


def test_cvat_export_imports_with_same_shapes_and_masks(tmp_path) -> None:
    dataset = single_annotator(sample_dataset(), "alice")
    (tmp_path / "annotations.xml").write_bytes(write_cvat(dataset))
    write_images(tmp_path / "images", dataset)
    imported = dm.Dataset.import_from(str(tmp_path), "cvat")
    assert _label_names(imported) == list(dataset.categories)
    assert _objects_per_image(imported, key=id) == _expected_counts(dataset)
    (mask,) = [a for item in imported for a in item.annotations if a.type == AnnotationType.mask]
    ours = next(a for a in dataset.annotations if a.geometry == "mask")
    assert np.array_equal(mask.image.astype(bool), decode_coco_mask(ours.mask).astype(bool))
    occluded = [a for item in imported for a in item.annotations if a.attributes.get("occluded")]
    assert len(occluded) == 1


def test_datumaro_cvat_mask_export_reads_back(tmp_path) -> None:
    # The reverse direction: CVAT XML written by datumaro's exporter, read by ours.
    image = np.zeros((12, 16), dtype=np.uint8)
    image[2:7, 3:11] = 1
    image[9, 0:5] = 1
    item = dm.DatasetItem(
        id="m",
        media=dm.Image.from_numpy(np.zeros((12, 16, 3), dtype=np.uint8)),
        annotations=[dm.Mask(image=image, label=0), dm.Bbox(1, 2, 3, 4, label=0)],
    )
    source = dm.Dataset.from_iterable(
        [item], categories={AnnotationType.label: dm.LabelCategories.from_iterable(["blob"])}
    )
    source.export(str(tmp_path), "cvat", save_media=True)
    (xml,) = list(tmp_path.glob("*.xml"))
    dataset = read_cvat(xml)
    mask = next(a for a in dataset.annotations if a.geometry == "mask")
    assert np.array_equal(decode_coco_mask(mask.mask), image)
    box = next(a for a in dataset.annotations if a.geometry == "box")
    assert box.box == (1.0, 2.0, 3.0, 4.0)
