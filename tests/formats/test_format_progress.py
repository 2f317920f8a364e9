"""Readers report progress as (done, total) and honour the size cap on every input kind."""

from __future__ import annotations

import json

import pytest
from formats_helpers import FIXTURES, only, sample_dataset, single_annotator

from labelqc.formats import (
    FormatError,
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

SIZES = {"a.png": (64, 48), "b.png": (40, 30), "c.png": (32, 32)}


def _calls(reader, source, **kwargs) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    reader(source, progress=lambda done, total: calls.append((done, total)), **kwargs)
    return calls


def test_every_reader_reports_from_zero_to_total() -> None:
    dataset = single_annotator(only(sample_dataset(), "box"), "alice")
    cases = [
        (read_coco, write_coco(dataset), {}, len(dataset.annotations)),
        (read_cvat, write_cvat(dataset), {}, len(dataset.images)),
        (read_label_studio, write_label_studio(dataset), {}, len(dataset.images)),
        (read_voc, write_voc(dataset), {}, len(dataset.images)),
        (read_yolo, write_yolo(dataset), {"image_sizes": SIZES}, len(dataset.images)),
    ]
    for reader, source, kwargs, total in cases:
        calls = _calls(reader, source, **kwargs)
        assert calls[0] == (0, total) and calls[-1] == (total, total), reader.__name__
        assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_progress_is_throttled_on_large_files() -> None:
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 10, "height": 10} for i in range(1, 3)]
    anns = [{"id": i, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]} for i in range(5000)]
    document = {"images": images, "categories": [{"id": 1, "name": "x"}], "annotations": anns}
    calls = _calls(read_coco, json.dumps(document))
    assert 50 <= len(calls) <= 110
    assert calls[-1] == (5000, 5000)


@pytest.mark.parametrize(
    "reader",
    [read_coco, read_cvat, read_label_studio, read_voc],
)
def test_size_cap_for_single_file_readers(reader, tmp_path) -> None:
    source = {
        "read_coco": FIXTURES / "coco/instances_val.json",
        "read_cvat": FIXTURES / "cvat/export_project_annotations.xml",
        "read_label_studio": FIXTURES / "label_studio/data.json",
        "read_voc": FIXTURES / "voc/Annotations/2007_000001.xml",
    }[reader.__name__]
    with pytest.raises(FormatError) as info:
        reader(source, max_bytes=100)
    assert (info.value.file, info.value.field) == (source.name, "size")
    with pytest.raises(FormatError) as info:
        reader(source.read_bytes(), max_bytes=100)
    assert (info.value.file, info.value.field) == ("<bytes>", "size")


def test_unlabeled_label_studio_task_keeps_unknown_size_as_none() -> None:
    tasks = [{"id": 3, "data": {"image": "/data/upload/1/abcdef12-x.png"}, "annotations": []}]
    (image,) = read_label_studio(json.dumps(tasks)).images
    assert (image.file_name, image.width, image.height) == ("x.png", None, None)
    (sized,) = read_label_studio(json.dumps(tasks), image_sizes={"x.png": (5, 6)}).images
    assert (sized.width, sized.height) == (5, 6)
