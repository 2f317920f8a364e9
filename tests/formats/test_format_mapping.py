"""Taxonomy and item mapping, canonical frames, and dataset helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pycocotools.mask as coco_mask
import pytest
from formats_helpers import sample_dataset

from labelqc.formats import (
    Annotation,
    Dataset,
    FormatError,
    ImageRecord,
    attach_sha256,
    dataset_from_frames,
    map_categories,
    map_images,
    merge_datasets,
    read_coco,
    split_by_annotator,
    to_annotation_frame,
    write_coco,
)


def test_map_categories_lists_every_unknown_or_creates_them() -> None:
    taxonomy = {"cat": 0, "dog": 4}
    assert map_categories(["dog", "cat", "dog"], taxonomy) == {"dog": 4, "cat": 0}
    with pytest.raises(FormatError) as info:
        map_categories(["cat", "car", "bus", "car"], taxonomy)
    assert [p.record for p in info.value.problems] == ["category 'car'", "category 'bus'"]
    assert map_categories(["car", "cat", "bus"], taxonomy, create_missing=True) == {
        "car": 5,
        "cat": 0,
        "bus": 6,
    }


def test_map_images_by_file_name_basename_or_sha256() -> None:
    dataset = Dataset((ImageRecord("train/a.jpg", 4, 4), ImageRecord("b.jpg", 4, 4)), ("x",), ())
    items = pd.DataFrame({"item_id": [10, 11], "file_name": ["a.jpg", "b.jpg"]})
    with pytest.raises(FormatError) as info:
        map_images(dataset, items)
    assert info.value.record == "image 'train/a.jpg'"
    assert map_images(dataset, items, missing="skip") == {"b.jpg": 11}
    assert map_images(dataset, items, by="basename") == {"train/a.jpg": 10, "b.jpg": 11}
    hashed = attach_sha256(dataset, {"train/a.jpg": b"A", "b.jpg": b"B"})
    digests = {image.sha256: n for n, image in enumerate(hashed.images)}
    assert map_images(hashed, digests, by="sha256") == {"train/a.jpg": 0, "b.jpg": 1}


def test_annotation_frame_has_canonical_columns_and_pixel_areas() -> None:
    dataset = sample_dataset()
    frame = to_annotation_frame(
        dataset,
        item_ids={"a.png": 1, "b.png": 2, "c.png": 3},
        class_ids={"cat": 0, "dog": 1, "car": 2},
        annotator_ids={"alice": 7, "bob": 8, None: -1},
    )
    assert list(frame.columns) == [
        "item_id",
        "annotator_id",
        "class_id",
        "x",
        "y",
        "w",
        "h",
        "area",
        "rle",
        "occluded",
        "truncated",
        "score",
        "source",
    ]
    assert len(frame) == len(dataset.annotations)
    polygon = frame[(frame.class_id == 1) & (frame.annotator_id == 7) & frame.rle.notna()].iloc[0]
    assert polygon.area == pytest.approx(coco_mask.area(polygon.rle))
    assert frame.occluded.sum() == 2 and frame.truncated.sum() == 2
    assert frame.score.isna().sum() == len(frame) - 1  # <NA>, not NaN floats leaking
    assert frame.score.dtype == "Float64"
    with pytest.raises(FormatError) as info:
        to_annotation_frame(dataset, item_ids={}, class_ids={}, annotator_ids={})
    assert {p.field for p in info.value.problems} == {"item_id", "class_id", "annotator_id"}


def test_frames_back_to_a_dataset_for_export() -> None:
    dataset = sample_dataset()
    ids = {
        "item_ids": {"a.png": 1, "b.png": 2, "c.png": 3},
        "class_ids": {"cat": 0, "dog": 1, "car": 2},
        "annotator_ids": {"alice": 7, "bob": 8, None: -1},
    }
    frame = to_annotation_frame(dataset, **ids)
    items = pd.DataFrame(
        {
            "item_id": [1, 2, 3],
            "file_name": ["a.png", "b.png", "c.png"],
            "width": [64, 40, 32],
            "height": [48, 30, 32],
        }
    )
    rebuilt = dataset_from_frames(
        frame,
        items,
        class_names={0: "cat", 1: "dog", 2: "car"},
        annotator_names={7: "alice", 8: "bob"},
    )
    assert rebuilt.categories == ("cat", "dog", "car")
    assert rebuilt.annotators() == dataset.annotators()
    back = read_coco(write_coco(rebuilt))
    assert len(back.annotations) == len(dataset.annotations)
    boxes = np.asarray([a.box for a in back.annotations])
    assert np.allclose(boxes, frame[["x", "y", "w", "h"]].to_numpy())


def test_split_and_merge() -> None:
    dataset = sample_dataset()
    parts = split_by_annotator(dataset)
    assert set(parts) == {"alice", "bob", None}
    assert all(part.images == dataset.images for part in parts.values())
    merged = merge_datasets(*parts.values())
    assert sorted(map(repr, merged.annotations)) == sorted(map(repr, dataset.annotations))
    other = Dataset((ImageRecord("a.png", 1, 1),), ("cat",), ())
    with pytest.raises(FormatError):
        merge_datasets(dataset, other)


def test_dataset_checks_its_references() -> None:
    with pytest.raises(FormatError) as info:
        Dataset(
            (ImageRecord("a.png", 4, 4), ImageRecord("a.png", 4, 4)),
            ("cat", "cat"),
            (Annotation("b.png", "dog", "box"),),
        )
    found = {(p.record, p.field) for p in info.value.problems}
    assert found == {
        ("images[1]", "file_name"),
        ("categories[1]", "name"),
        ("annotations[0]", "image"),
        ("annotations[0]", "category"),
        ("annotations[0]", "box"),
    }
