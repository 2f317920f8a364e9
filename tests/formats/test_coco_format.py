"""COCO instances: real samples, round trips, annotators, and pycocotools as the oracle."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pycocotools.mask as coco_mask
import pytest
from formats_helpers import FIXTURES, assert_same_shapes, only, sample_dataset
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from labelqc.formats import merge_datasets, read_coco, write_coco
from labelqc.formats.masks import decode_coco_mask


def test_reads_datumaro_samples_with_polygon_and_uncompressed_crowd_rle() -> None:
    train = read_coco(FIXTURES / "coco/instances_train.json")
    val = read_coco(FIXTURES / "coco/instances_val.json")
    assert train.categories == ("a", "b", "c")
    assert [(a.category, a.geometry, a.box) for a in train.annotations] == [
        ("b", "box", (2.0, 2.0, 3.0, 1.0))
    ]
    polygon, crowd = val.annotations
    assert polygon.geometry == "polygon"
    assert polygon.polygon == ((0.0, 0.0, 1.0, 0.0, 1.0, 2.0, 0.0, 2.0),)
    assert polygon.attributes == {"x": 1, "y": "hello"}
    assert crowd.geometry == "mask" and crowd.attributes["iscrowd"] is True
    # The uncompressed counts [0, 20, 30] on a 10x5 image: the first 20 pixels in column
    # order, i.e. the two left columns; pycocotools decodes the same from the raw counts.
    expected = coco_mask.decode(
        coco_mask.frPyObjects({"counts": [0, 20, 30], "size": [10, 5]}, 10, 5)
    )
    assert np.array_equal(decode_coco_mask(crowd.mask), expected)
    assert isinstance(crowd.mask["counts"], str)
    merged = merge_datasets(train, val)
    assert [i.file_name for i in merged.images] == ["a.jpg", "b.jpg"]


def test_round_trip_keeps_shapes_classes_annotators_scores() -> None:
    dataset = only(sample_dataset(), "box", "polygon", "mask")
    back = read_coco(write_coco(dataset))
    assert back.categories == dataset.categories
    assert_same_shapes(dataset, back)
    assert set(back.annotators()) == {"alice", "bob", None}
    prelabel = next(a for a in back.annotations if a.source == "prelabel")
    assert prelabel.score == 0.75 and prelabel.attributes["model_version"] == "sam2-t"
    occluded = [a for a in back.annotations if a.attributes.get("occluded")]
    assert len(occluded) == 2


def test_annotator_is_kept_in_annotation_attributes() -> None:
    document = json.loads(write_coco(only(sample_dataset(), "box")))
    annotators = {
        a["attributes"]["annotator"]
        for a in document["annotations"]
        if "attributes" in a and "annotator" in a["attributes"]
    }
    assert annotators == {"alice", "bob"}


def test_tags_are_refused_or_dropped() -> None:
    dataset = sample_dataset()
    from labelqc.formats import Annotation, Dataset

    with_tag = Dataset(
        dataset.images,
        dataset.categories,
        (*dataset.annotations, Annotation("a.png", "cat", "tag")),
    )
    from labelqc.formats import FormatError

    with pytest.raises(FormatError) as info:
        write_coco(with_tag)
    assert info.value.field == "geometry"
    assert len(read_coco(write_coco(with_tag, unsupported="drop")).annotations) == len(
        dataset.annotations
    )


def _quiet(fn, *args):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_written_gold_loads_in_pycocotools_and_scores_ap_one(tmp_path, iou_type: str) -> None:
    # Box-only annotations carry no segmentation, so the segm run scores polygons and masks.
    geometries = ("box", "polygon", "mask") if iou_type == "bbox" else ("polygon", "mask")
    dataset = only(sample_dataset(annotators=("alice",)), *geometries)
    path = tmp_path / "gold.json"
    path.write_bytes(write_coco(dataset))
    gold = _quiet(COCO, str(path))
    assert len(gold.getAnnIds()) == len(dataset.annotations)
    assert [c["name"] for c in gold.loadCats(gold.getCatIds())] == list(dataset.categories)
    results = []
    for ann in json.loads(path.read_text())["annotations"]:
        result = {"image_id": ann["image_id"], "category_id": ann["category_id"], "score": 1.0}
        if iou_type == "bbox":
            result["bbox"] = ann["bbox"]
        else:
            result["segmentation"] = gold.annToRLE(gold.loadAnns(ann["id"])[0])
        results.append(result)
    detections = _quiet(gold.loadRes, results)
    evaluator = COCOeval(gold, detections, iou_type)
    _quiet(evaluator.evaluate)
    _quiet(evaluator.accumulate)
    _quiet(evaluator.summarize)
    assert evaluator.stats[0] == pytest.approx(1.0)


def test_masks_decode_to_the_stored_pixels() -> None:
    dataset = only(sample_dataset(), "mask")
    document = json.loads(write_coco(dataset))
    stored = document["annotations"][0]["segmentation"]
    original = decode_coco_mask(dataset.annotations[0].mask)
    assert np.array_equal(coco_mask.decode(stored), original)
    assert document["annotations"][0]["area"] == int(original.sum())
