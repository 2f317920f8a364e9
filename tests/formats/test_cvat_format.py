"""CVAT XML 1.1: real samples, annotator metadata, masks, rotation, round trips, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from formats_helpers import FIXTURES, assert_same_shapes, sample_dataset, single_annotator

from labelqc.formats import FormatError, read_cvat, write_cvat
from labelqc.formats.masks import decode_coco_mask

CVAT = FIXTURES / "cvat"


def _xml(shapes: str, meta: str = "", width: int = 20, height: int = 10) -> str:
    return (
        f"<annotations><version>1.1</version><meta>{meta}</meta>"
        f'<image id="0" name="a.jpg" width="{width}" height="{height}">{shapes}</image>'
        "</annotations>"
    )


def test_project_export_sample() -> None:
    dataset = read_cvat(CVAT / "export_project_annotations.xml")
    assert dataset.categories == ("label1", "label2")
    assert [i.file_name for i in dataset.images][:2] == ["Test/img0.jpg", "Test/img1.jpg"]
    assert {i.subset for i in dataset.images} == {"Test", "Train", "Validation"}
    box = dataset.annotations[0]
    assert (box.image, box.geometry, box.box) == ("Test/img0.jpg", "box", (0.0, 2.0, 4.0, 2.0))
    # Attributes typed from the label spec: checkbox -> bool, number -> float, text stays text.
    assert box.attributes == {
        "a1": True,
        "a2": "v3",
        "a3": "0003",
        "a4": 2.4,
        "occluded": True,
        "z_order": 1,
    }
    polygon = dataset.annotations[1]
    assert polygon.polygon == ((1.0, 2.0, 3.0, 4.0, 6.0, 5.0),)
    assert len(dataset.annotations) == 6
    assert any("3 <polyline>" in note for note in dataset.notes)
    assert any("3 <points>" in note for note in dataset.notes)
    assert dataset.annotators() == (None,)  # no assignee in the sample; owner is not used


def test_video_sample_tracks_become_per_frame_annotations() -> None:
    dataset = read_cvat(CVAT / "for_video_annotations.xml")
    boxes = [a for a in dataset.annotations if a.geometry == "box"]
    # Track 0 is visible on frame 10 only (outside="1" afterwards).
    assert [(a.image, a.box, a.attributes["track_id"]) for a in boxes] == [
        ("frame_000010.png", (3.0, 4.0, 7.0, 1.0), 0)
    ]
    image = dataset.image_index()["frame_000010.png"]
    assert (image.width, image.height) == (25, 20)
    assert dataset.categories == ("klhg", "z U k", "II")


def test_task_sample_with_an_empty_label_is_rejected_naming_the_shape() -> None:
    with pytest.raises(FormatError) as info:
        read_cvat(CVAT / "export_task_train.xml")
    error = info.value
    assert (error.file, error.record, error.field) == (
        "export_task_train.xml",
        "image[1] (img1.jpg) polygon[0]",
        "label",
    )


def test_annotator_from_job_task_or_project_task_metadata() -> None:
    job = "<job><assignee><username>alice</username></assignee></job><task><owner><username>own</username></owner></task>"
    shape = '<box label="cat" xtl="1" ytl="1" xbr="4" ybr="4"/>'
    assert read_cvat(_xml(shape, job)).annotators() == ("alice",)
    task = "<task><assignee><username>bob</username></assignee></task>"
    assert read_cvat(_xml(shape, task)).annotators() == ("bob",)
    assert read_cvat(_xml(shape, task), annotator="carol").annotators() == ("carol",)
    project = (
        "<project><tasks><task><id>7</id><assignee><username>dan</username></assignee></task>"
        "</tasks></project>"
    )
    text = _xml(shape, project).replace('name="a.jpg"', 'name="a.jpg" subset="s" task_id="7"')
    dataset = read_cvat(text)
    assert dataset.annotators() == ("dan",) and dataset.images[0].file_name == "s/a.jpg"


def test_rotated_box_becomes_the_polygon_datumaro_computes() -> None:
    datumaro_annotation = pytest.importorskip("datumaro.components.annotation")
    shape = '<box label="cat" xtl="5" ytl="3" xbr="9" ybr="5" rotation="30"/>'
    dataset = read_cvat(_xml(shape))
    (ann,) = dataset.annotations
    expected = datumaro_annotation.RotatedBbox(7, 4, 4, 2, 30).as_polygon()
    assert ann.geometry == "polygon"
    assert np.allclose(np.asarray(ann.polygon[0]).reshape(-1, 2), expected)
    assert "rotated" in dataset.notes[0]


def test_mask_run_lengths_are_row_major_over_the_mask_box() -> None:
    # 3x2 box at (5, 2): rows [0 0 1] and [1 1 0] -> runs 2 (bg), 3 (fg), 1 (bg).
    shape = '<mask label="cat" rle="2, 3, 1" left="5" top="2" width="3" height="2"/>'
    (ann,) = read_cvat(_xml(shape)).annotations
    mask = decode_coco_mask(ann.mask)
    expected = np.zeros((10, 20), dtype=np.uint8)
    expected[2, 7] = 1
    expected[3, 5:7] = 1
    assert np.array_equal(mask, expected)
    assert ann.box == (5.0, 2.0, 3.0, 2.0)


def test_round_trip_single_annotator_with_masks_and_tags() -> None:
    dataset = single_annotator(sample_dataset(), "alice")
    from labelqc.formats import Annotation, Dataset

    dataset = Dataset(
        dataset.images,
        dataset.categories,
        (*dataset.annotations, Annotation("b.png", "cat", "tag", annotator="alice")),
    )
    xml = write_cvat(dataset)
    assert b"<job><assignee><username>alice</username>" in xml.replace(b"\n", b"").replace(
        b" ", b""
    )
    back = read_cvat(xml)
    assert back.categories == dataset.categories
    assert_same_shapes(dataset, back)
    assert [a.category for a in back.annotations if a.attributes.get("occluded")] == ["cat"]
    truncated = [a for a in back.annotations if a.attributes.get("truncated") is True]
    assert [(a.image, a.category) for a in truncated] == [("b.png", "car")]


def test_prelabels_round_trip_as_auto_source() -> None:
    dataset = single_annotator(sample_dataset(annotators=(None,)), None)
    back = read_cvat(write_cvat(dataset))
    assert [a.source for a in back.annotations].count("prelabel") == 1


def test_several_annotators_need_merging() -> None:
    with pytest.raises(FormatError) as info:
        write_cvat(sample_dataset())
    assert info.value.field == "annotator"
    merged = read_cvat(write_cvat(sample_dataset(), merge_annotators=True))
    assert merged.annotators() == (None,)


def test_bad_shapes_are_collected() -> None:
    shapes = (
        '<box label="cat" xtl="1" ytl="1" xbr="4"/>'
        '<polygon label="cat" points="1,1;2;3,3"/>'
        '<box label="dog" xtl="1" ytl="1" xbr="4" ybr="4"/>'
        '<box label="cat" xtl="1" ytl="1" xbr="40" ybr="4"/>'
        '<mask label="cat" rle="0, 500" left="0" top="0" width="5" height="5"/>'
        '<mask label="cat" rle="0, 4" left="18" top="0" width="4" height="1"/>'
    )
    meta = "<task><labels><label><name>cat</name></label></labels></task>"
    with pytest.raises(FormatError) as info:
        read_cvat(_xml(shapes, meta), name="job.xml")
    fields = [(p.record, p.field) for p in info.value.problems]
    assert fields == [
        ("image[0] (a.jpg) box[0]", "xtl/ytl/xbr/ybr"),
        ("image[0] (a.jpg) polygon[1]", "points"),
        ("image[0] (a.jpg) box[2]", "label"),
        ("image[0] (a.jpg) box[3]", "xtl/ytl/xbr/ybr"),
        ("image[0] (a.jpg) mask[4]", "rle"),
        ("image[0] (a.jpg) mask[5]", "rle"),
    ]
    assert all(p.file == "job.xml" for p in info.value.problems)


def test_bad_documents() -> None:
    with pytest.raises(FormatError) as info:
        read_cvat(b"<annotations><image", name="x.xml")
    assert info.value.field == "xml"
    with pytest.raises(FormatError) as info:
        read_cvat(b'<!DOCTYPE a [<!ENTITY e "x">]><annotations>&e;</annotations>', name="x.xml")
    assert info.value.field == "DOCTYPE"
    twice = _xml("").replace(
        "</annotations>", '<image id="1" name="a.jpg" width="2" height="2"/></annotations>'
    )
    with pytest.raises(FormatError) as info:
        read_cvat(twice)
    assert (info.value.record, info.value.field) == ("image[1] (a.jpg)", "name")
    with pytest.raises(FormatError) as info:
        read_cvat(_xml("").replace('width="20" ', ""))
    assert info.value.field == "width/height"
