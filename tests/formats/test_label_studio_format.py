"""Label Studio JSON: real exports, rotation, predictions, annotators, round trips, bad files."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from formats_helpers import FIXTURES, assert_same_shapes, sample_dataset

from labelqc.formats import (
    Annotation,
    Dataset,
    FormatError,
    label_studio_config,
    read_label_studio,
    write_label_studio,
)
from labelqc.formats.label_studio import annotator_name, image_file_name

LS = FIXTURES / "label_studio"


def test_rectangle_export_with_two_annotators() -> None:
    dataset = read_label_studio(LS / "data.json")
    assert [i.file_name for i in dataset.images] == ["image1", "image2"]
    assert dataset.categories == ("parasites", "white")
    assert dataset.annotators() == ("2", "1")
    first = dataset.annotations[0]
    # x=37.158...% of 2800 px
    assert first.box == pytest.approx((1040.437158, 1978.870674, 117.304189, 132.604736), abs=1e-5)
    assert first.ann_id == "C7oHaRDVVC"


def test_polygon_export() -> None:
    dataset = read_label_studio(LS / "data_polygons.json")
    (ann,) = dataset.annotations
    assert (ann.geometry, ann.category) == ("polygon", "Airplane")
    ring = np.asarray(ann.polygon[0]).reshape(-1, 2)
    assert ring[0] == pytest.approx((0.60 * 640, 0.1955922865013774 * 426))
    assert len(ring) == 37


def test_rotated_rectangles_match_the_converter_corners() -> None:
    dataset = read_label_studio(LS / "data_obb.json")
    expected = json.loads((LS / "ls_obb_sdk_expected.json").read_text())
    by_id = {a.ann_id: a for a in dataset.annotations}
    assert len(by_id) == len(expected) == 25
    for entry in expected:
        ann = by_id[entry["result_id"]]
        image = dataset.image_index()[ann.image]
        corners = np.asarray(ann.polygon[0]).reshape(-1, 2) / (image.width, image.height)
        assert np.allclose(corners, entry["corners"], atol=1e-9)
        assert ann.attributes["rotation"] != 0
    assert dataset.notes == ("converted 25 rotated rectangle(s) to 4-corner polygons",)
    with pytest.raises(FormatError) as info:
        read_label_studio(LS / "data_obb.json", rotation="error")
    assert info.value.field == "value.rotation"


def test_brush_mask_and_email_annotator() -> None:
    dataset = read_label_studio(LS / "ls_brush_sdk.json")
    (ann,) = dataset.annotations
    assert ann.geometry == "mask" and ann.annotator == "ann@example.com"
    assert dataset.images[0].file_name == "test.png"  # upload prefix removed


def _task(results: list[dict[str, Any]], **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": 1,
            "data": {"image": "/data/local-files/?d=imgs/a.jpg"},
            "annotations": [{"id": 1, "completed_by": 3, "result": results}],
            **extra,
        }
    ]


def _rect(x: float, label: str = "cat", **extra: Any) -> dict[str, Any]:
    return {
        "id": "r1",
        "type": "rectanglelabels",
        "original_width": 200,
        "original_height": 100,
        "value": {"x": x, "y": 10, "width": 20, "height": 30, "rectanglelabels": [label]},
        **extra,
    }


def test_predictions_scores_choices_and_cancelled_work() -> None:
    tasks = _task(
        [
            _rect(10),
            {"id": "c", "type": "choices", "value": {"choices": ["day", "dry"]}},
            {"id": "t", "type": "textarea", "value": {"text": ["x"]}},
        ]
    )
    tasks[0]["annotations"].append(
        {"id": 2, "completed_by": 4, "was_cancelled": True, "result": [_rect(50)]}
    )
    tasks[0]["predictions"] = [
        {"model_version": "v2", "score": 0.4, "result": [_rect(11, score=0.9), _rect(12)]}
    ]
    dataset = read_label_studio(json.dumps(tasks))
    assert dataset.images[0].file_name == "a.jpg"
    humans = [a for a in dataset.annotations if a.source == "human"]
    assert [(a.category, a.geometry, a.annotator) for a in humans] == [
        ("cat", "box", "3"),
        ("day", "tag", "3"),
        ("dry", "tag", "3"),
    ]
    predictions = [a for a in dataset.annotations if a.source == "prelabel"]
    assert [(a.score, a.attributes["model_version"], a.annotator) for a in predictions] == [
        (0.9, "v2", None),
        (0.4, "v2", None),
    ]
    assert set(dataset.notes) == {
        "skipped 1 result(s) of type 'textarea'",
        "skipped 1 cancelled annotation(s)",
    }


def test_round_trip_keeps_shapes_annotators_predictions_and_tags() -> None:
    base = sample_dataset()
    dataset = Dataset(
        base.images,
        base.categories,
        (*base.annotations, Annotation("b.png", "dog", "tag", annotator="bob")),
    )
    back = read_label_studio(write_label_studio(dataset))
    assert_same_shapes(dataset, back, tol=1e-9)
    assert set(back.annotators()) == {"alice", "bob", None}
    (prelabel,) = [a for a in back.annotations if a.source == "prelabel"]
    assert prelabel.score == 0.75 and prelabel.attributes["model_version"] == "sam2-t"


def test_completed_by_forms() -> None:
    assert annotator_name(5) == "5"
    assert annotator_name({"id": 5, "email": "a@b.c"}) == "a@b.c"
    assert annotator_name({"id": 5}) == "5"
    assert annotator_name(None) is None
    written = json.loads(write_label_studio(sample_dataset(annotators=("17", "eve"))))
    forms = [a["completed_by"] for a in written[0]["annotations"]]
    assert forms == [17, {"email": "eve"}]


def test_image_urls_to_file_names() -> None:
    assert image_file_name("/data/upload/3/0f1e2d3c-cat.jpg") == "cat.jpg"
    assert image_file_name("https://s3/bucket/x/cat%201.jpg?X-Amz=1") == "cat 1.jpg"
    assert image_file_name("/data/local-files/?d=dir/sub/cat.jpg") == "cat.jpg"
    assert image_file_name("/static/0f1e2d3c-cat.jpg") == "0f1e2d3c-cat.jpg"


def test_config_declares_every_control_and_label() -> None:
    config = label_studio_config(sample_dataset())
    for tag in (
        'RectangleLabels name="label"',
        'PolygonLabels name="polygon"',
        'BrushLabels name="brush"',
        '<Label value="car" />',
    ):
        assert tag in config


def test_bad_exports_collect_problems() -> None:
    results = [
        _rect(95),  # 95% + 20% width runs past the right edge
        {
            "id": "p",
            "type": "polygonlabels",
            "original_width": 200,
            "original_height": 100,
            "value": {"points": [[1, 2], [3]], "polygonlabels": ["cat"]},
        },
        {
            "id": "b",
            "type": "brushlabels",
            "original_width": 200,
            "original_height": 100,
            "value": {"format": "rle", "rle": [0, 0, 0, 9], "brushlabels": ["cat"]},
        },
        {
            "id": "n",
            "type": "rectanglelabels",
            "original_width": 200,
            "original_height": 100,
            "value": {"x": 1, "y": 1, "width": 1, "height": 1, "rectanglelabels": []},
        },
    ]
    with pytest.raises(FormatError) as info:
        read_label_studio(json.dumps(_task(results)), name="export.json")
    fields = [(p.record, p.field) for p in info.value.problems]
    assert fields == [
        ("task 1 annotations[0] result 'r1'", "value.x/y/width/height"),
        ("task 1 annotations[0] result 'p'", "value.points"),
        ("task 1 annotations[0] result 'b'", "value.rle"),
        ("task 1 annotations[0] result 'n'", "value.rectanglelabels"),
    ]
    assert info.value.file == "export.json"


def test_bad_documents_and_tasks() -> None:
    with pytest.raises(FormatError) as info:
        read_label_studio(b'[{"id": 1,', name="export.json")
    assert info.value.field == "json"
    with pytest.raises(FormatError) as info:
        read_label_studio(b'{"tasks": []}')
    assert info.value.field == "root"
    tasks = _task([_rect(10)]) + _task([_rect(10)])
    with pytest.raises(FormatError) as info:
        read_label_studio(json.dumps(tasks))
    assert (info.value.record, info.value.field) == ("task 1", "data")
    sizes = _task([_rect(10), {**_rect(10), "original_width": 300}])
    with pytest.raises(FormatError) as info:
        read_label_studio(json.dumps(sizes))
    assert info.value.field == "original_width"
    with pytest.raises(FormatError) as info:
        read_label_studio(json.dumps([{"id": 1, "data": {"a": "x.jpg", "b": "y.jpg"}}]))
    assert info.value.field == "data.image"
