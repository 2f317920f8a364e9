"""Paths and file objects are streamed: memory follows the records kept, not the file's text."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelqc.formats import FormatError, read_coco, read_label_studio

ANNOTATION_COUNT = 60_000
IMAGE_COUNT = 2_000
CAPTION = "a long free-text description of the labelled object " * 12


def _coco_document(annotations_first: bool = False) -> dict[str, Any]:
    images = [
        {"id": i, "file_name": f"{i}.jpg", "width": 640, "height": 480}
        for i in range(1, IMAGE_COUNT + 1)
    ]
    # A field the reader ignores makes the text (and json.loads' tree) much larger than the
    # Annotations kept, as long captions or keypoints do in real exports.
    annotations = [
        {
            "id": i,
            "image_id": i % IMAGE_COUNT + 1,
            "category_id": i % 3 + 1,
            "bbox": [10.5, 20.25, 30.0, 40.0],
            "caption": CAPTION,
        }
        for i in range(ANNOTATION_COUNT)
    ]
    categories = [{"id": c, "name": f"class{c}"} for c in (1, 2, 3)]
    if annotations_first:
        return {"annotations": annotations, "images": images, "categories": categories}
    return {"images": images, "categories": categories, "annotations": annotations}


def _peak_bytes(action: Callable[[], Any]) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_large_coco_path_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(_coco_document()))
    size = path.stat().st_size

    def whole() -> int:
        return len(json.loads(path.read_text())["annotations"])

    whole_count, whole_peak = _peak_bytes(whole)
    calls: list[tuple[int, int]] = []
    dataset, streamed_peak = _peak_bytes(
        lambda: read_coco(path, progress=lambda done, total: calls.append((done, total)))
    )
    assert whole_count == ANNOTATION_COUNT
    assert len(dataset.annotations) == ANNOTATION_COUNT
    assert len(dataset.images) == IMAGE_COUNT
    assert [c.name if hasattr(c, "name") else c for c in dataset.categories] == [
        "class1",
        "class2",
        "class3",
    ]
    assert dataset.annotations[-1].image == f"{IMAGE_COUNT}.jpg"
    assert dataset.annotations[-1].box == (10.5, 20.25, 30.0, 40.0)
    # Reading from the path holds the Annotations only; json.loads holds text + full tree.
    assert streamed_peak < 0.5 * whole_peak, (streamed_peak, whole_peak)
    # Progress counts bytes of the file, monotonically, from 0 to the size.
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) > 10


def test_streamed_and_in_memory_reads_agree(tmp_path: Path) -> None:
    document = _coco_document()
    document["annotations"] = document["annotations"][:500]
    text = json.dumps(document)
    path = tmp_path / "small.json"
    path.write_text(text)
    from_bytes = read_coco(text.encode())
    assert read_coco(path) == from_bytes
    with path.open("rb") as handle:
        assert read_coco(handle) == from_bytes
    # Annotations before images: kept raw until the lookups are known, same result.
    reordered = _coco_document(annotations_first=True)
    reordered["annotations"] = reordered["annotations"][:500]
    (tmp_path / "reordered.json").write_text(json.dumps(reordered))
    assert read_coco(tmp_path / "reordered.json") == from_bytes
    # A byte-order mark is refused by the tokenizer but read like in-memory content.
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_coco(tmp_path / "bom.json") == from_bytes


@pytest.mark.parametrize("reader", [read_coco, read_label_studio])
def test_malformed_json_from_a_path_names_line_and_column(reader, tmp_path: Path) -> None:
    path = tmp_path / "gold.json"
    path.write_bytes(
        b'[{"images": [\n  {"id": 1,,}]}]'
        if reader is read_label_studio
        else b'{"images": [\n  {"id": 1,,}]}'
    )
    with pytest.raises(FormatError) as from_path:
        reader(path)
    with pytest.raises(FormatError) as from_bytes:
        reader(path.read_bytes(), name="gold.json")
    assert (from_path.value.file, from_path.value.record, from_path.value.field) == (
        "gold.json",
        from_bytes.value.record,
        "json",
    )
    assert from_path.value.record.startswith("line 2 column")


def test_record_errors_from_a_path_match_in_memory(tmp_path: Path) -> None:
    document = _coco_document()
    document["annotations"] = document["annotations"][:10]
    document["annotations"][3]["bbox"] = [0, 0, "x", 1]
    document["annotations"][5]["image_id"] = 99_999
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(document))
    with pytest.raises(FormatError) as from_path:
        read_coco(path)
    with pytest.raises(FormatError) as from_bytes:
        read_coco(path.read_bytes(), name="gold.json")
    assert str(from_path.value) == str(from_bytes.value)
    assert from_path.value.problems == from_bytes.value.problems


def test_label_studio_path_streams_tasks(tmp_path: Path) -> None:
    tasks = [
        {
            "id": i,
            "data": {"image": f"/data/upload/1/abcdef12-{i}.png"},
            "annotations": [
                {
                    "completed_by": 7,
                    "result": [
                        {
                            "type": "rectanglelabels",
                            "original_width": 100,
                            "original_height": 50,
                            "value": {
                                "x": 10,
                                "y": 10,
                                "width": 20,
                                "height": 20,
                                "rectanglelabels": ["car"],
                            },
                        }
                    ],
                }
            ],
        }
        for i in range(300)
    ]
    text = json.dumps(tasks)
    path = tmp_path / "export.json"
    path.write_text(text)
    calls: list[tuple[int, int]] = []
    dataset = read_label_studio(path, progress=lambda d, t: calls.append((d, t)))
    assert dataset == read_label_studio(text)
    assert dataset == read_label_studio(io.BytesIO(text.encode()))
    assert len(dataset.images) == 300 and len(dataset.annotations) == 300
    assert calls[-1] == (path.stat().st_size, path.stat().st_size)
