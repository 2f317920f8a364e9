"""Ultralytics YOLO (and the Darknet layout): sizes from outside, round trips, bad files."""

from __future__ import annotations

import pytest
import yaml
from formats_helpers import (
    FIXTURES,
    assert_same_shapes,
    only,
    sample_dataset,
    single_annotator,
    write_images,
    write_tree,
)

from labelqc.formats import FormatError, read_yolo, write_yolo

SIZES = {"a.png": (64, 48), "b.png": (40, 30), "c.png": (32, 32)}


def test_reads_darknet_sample_sizing_images_from_their_headers() -> None:
    dataset = read_yolo(FIXTURES / "yolo_darknet")
    assert dataset.categories == tuple(f"label_{i}" for i in range(10))
    (image,) = dataset.images
    assert (image.file_name, image.width, image.height, image.subset) == ("1.jpg", 15, 10, "train")
    boxes = [(a.category, tuple(round(v, 4) for v in a.box)) for a in dataset.annotations]
    assert boxes == [("label_2", (0.0, 2.0, 4.0, 2.0)), ("label_4", (3.0, 3.0, 2.0, 3.0))]


def test_detection_round_trip_with_supplied_image_sizes() -> None:
    dataset = single_annotator(only(sample_dataset(), "box"), "alice")
    files = write_yolo(dataset)
    assert files["labels/train/b.txt"] == b"2 0.500000 0.500000 1.000000 1.000000\n"
    back = read_yolo(files, image_sizes=SIZES)
    assert back.categories == dataset.categories
    assert_same_shapes(dataset, back, tol=1e-4, check_annotator=False)


def test_segmentation_round_trip_writes_boxes_as_corner_polygons() -> None:
    dataset = single_annotator(only(sample_dataset(), "box", "polygon"), "alice")
    files = write_yolo(dataset)
    line = files["labels/train/a.txt"].decode().splitlines()[1]
    assert line.split()[0] == "1" and len(line.split()) == 9
    back = read_yolo(files, image_sizes=SIZES)
    assert {a.geometry for a in back.annotations} == {"polygon"}
    for original, read in zip(dataset.annotations, back.annotations, strict=True):
        assert read.box == pytest.approx(original.box, abs=1e-4)


def test_names_as_list_or_mapping_and_images_found_on_disk(tmp_path) -> None:
    dataset = single_annotator(only(sample_dataset(), "box"), "bob")
    files = write_yolo(dataset)
    config = yaml.safe_load(files["data.yaml"])
    assert config["names"] == {0: "cat", 1: "dog", 2: "car"}
    config["names"] = ["cat", "dog", "car"]
    files["data.yaml"] = yaml.safe_dump(config).encode()
    write_tree(tmp_path, files)
    write_images(tmp_path / "images/train", dataset)
    back = read_yolo(tmp_path)
    assert [(i.file_name, i.width, i.height) for i in back.images] == [
        ("a.png", 64, 48),
        ("b.png", 40, 30),
        ("c.png", 32, 32),
    ]
    assert_same_shapes(dataset, back, tol=1e-4, check_annotator=False)


def test_prelabel_scores_round_trip_as_a_confidence_column() -> None:
    dataset = only(sample_dataset(annotators=(None,)), "box")
    files = write_yolo(dataset, scores=True)
    back = read_yolo(files, image_sizes=SIZES)
    prelabels = [a for a in back.annotations if a.source == "prelabel"]
    assert [a.score for a in prelabels] == [0.75]


def test_several_annotators_are_refused_unless_merged() -> None:
    dataset = only(sample_dataset(), "box")
    with pytest.raises(FormatError) as info:
        write_yolo(dataset)
    assert info.value.field == "annotator"
    merged = read_yolo(write_yolo(dataset, merge_annotators=True), image_sizes=SIZES)
    assert len(merged.annotations) == len(dataset.annotations)


def _files(label_text: str) -> dict[str, bytes]:
    return {
        "data.yaml": b"train: images/train\nnames: [cat, dog]\n",
        "labels/train/a.txt": label_text.encode(),
    }


def test_bad_label_lines_are_all_reported() -> None:
    text = "0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.2 0.2\n1 0.5 nan 0.2 0.2\n0 0.9 0.5 0.5 0.2\n1 0.5\n"
    with pytest.raises(FormatError) as info:
        read_yolo(_files(text), image_sizes={"a.jpg": (100, 50)})
    assert [(p.record, p.field) for p in info.value.problems] == [
        ("labels/train/a.txt line 2", "class"),
        ("labels/train/a.txt line 3", "coordinates"),
        ("labels/train/a.txt line 4", "coordinates"),
        ("labels/train/a.txt line 5", "coordinates"),
    ]
    assert "outside" in info.value.problems[2].message


def test_label_file_without_a_known_image_or_size() -> None:
    with pytest.raises(FormatError) as info:
        read_yolo(_files("0 0.5 0.5 0.2 0.2\n"))
    assert (info.value.record, info.value.field) == ("labels/train/a.txt", "file")


def test_missing_or_malformed_config() -> None:
    with pytest.raises(FormatError) as info:
        read_yolo({"labels/train/a.txt": b""})
    assert info.value.field == "data.yaml"
    with pytest.raises(FormatError) as info:
        read_yolo({"data.yaml": b"names: {0: [x}\n"})
    assert (info.value.record, info.value.field) == ("data.yaml", "yaml")
    with pytest.raises(FormatError) as info:
        read_yolo({"data.yaml": b"train: images/train\nnames: 3\n"})
    assert info.value.field == "names"


def test_size_cap_applies_to_each_file() -> None:
    files = _files("0 0.5 0.5 0.2 0.2\n" * 100)
    with pytest.raises(FormatError) as info:
        read_yolo(files, image_sizes={"a.jpg": (100, 50)}, max_bytes=500)
    assert info.value.field == "size"
