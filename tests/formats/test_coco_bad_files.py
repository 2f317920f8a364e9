"""Bad COCO files raise FormatError naming the file, the record and the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labelqc.formats import FormatError, read_coco


def _document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 8}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "iscrowd": 0}
        ],
    }
    document.update(overrides)
    return document


def _read(document: Any) -> FormatError:
    with pytest.raises(FormatError) as info:
        read_coco(json.dumps(document).encode(), name="gold.json")
    return info.value


def test_malformed_json_names_line_and_column() -> None:
    with pytest.raises(FormatError) as info:
        read_coco(b'{"images": [\n  {"id": 1,,}]}', name="gold.json")
    assert info.value.file == "gold.json"
    assert info.value.record == "line 2 column 12"
    assert info.value.field == "json"


def test_missing_sections_and_fields() -> None:
    error = _read({"images": []})
    assert {(p.record, p.field) for p in error.problems} == {
        ("<document>", "categories"),
        ("<document>", "annotations"),
    }
    error = _read(_document(images=[{"id": 1, "file_name": "a.jpg", "width": 10}]))
    assert (error.record, error.field) == ("images[0]", "height")


def test_unknown_image_and_category_references_are_all_collected() -> None:
    anns = [
        {"id": 1, "image_id": 7, "category_id": 1, "bbox": [1, 1, 2, 2]},
        {"id": 2, "image_id": 1, "category_id": 9, "bbox": [1, 1, 2, 2]},
        {"id": 3, "image_id": 1, "category_id": 1, "bbox": [1, 1, "x", 2]},
    ]
    error = _read(_document(annotations=anns))
    assert [(p.record, p.field) for p in error.problems] == [
        ("annotations[0] (id 1)", "image_id"),
        ("annotations[1] (id 2)", "category_id"),
        ("annotations[2] (id 3)", "bbox"),
    ]
    assert "gold.json: 3 problems" in str(error)


def test_duplicate_ids() -> None:
    images = [
        {"id": 1, "file_name": "a.jpg", "width": 10, "height": 8},
        {"id": 1, "file_name": "b.jpg", "width": 10, "height": 8},
    ]
    error = _read(_document(images=images))
    assert (error.record, error.field) == ("images[1]", "id")
    cats = [{"id": 1, "name": "cat"}, {"id": 1, "name": "dog"}]
    assert _read(_document(categories=cats)).field == "id"
    anns = _document()["annotations"] * 2
    error = _read(_document(annotations=anns))
    assert (error.record, error.field) == ("annotations[1] (id 1)", "id")


def test_geometry_outside_the_image() -> None:
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [5, 5, 20, 2]}]
    error = _read(_document(annotations=anns))
    assert error.field == "bbox" and "outside" in error.message
    polygon = [
        {
            "id": 1,
            "image_id": 1,
            "category_id": 1,
            "bbox": [0, 0, 1, 1],
            "segmentation": [[0, 0, 30, 0, 30, 4]],
        }
    ]
    assert _read(_document(annotations=polygon)).field == "segmentation"
    # Within the tolerance (1 px by default) is accepted, as float exports overshoot a little.
    ok = [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10.5, 8.5]}]
    assert len(read_coco(json.dumps(_document(annotations=ok))).annotations) == 1


def test_bad_rle_size_and_counts() -> None:
    wrong_size = {"size": [5, 5], "counts": [0, 25]}
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": wrong_size}]
    assert "does not match" in _read(_document(annotations=anns)).message
    short = {"size": [8, 10], "counts": [0, 25]}
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": short}]
    assert "sum to 25" in _read(_document(annotations=anns)).message
    garbage = {"size": [8, 10], "counts": "~~~"}
    anns = [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": garbage}]
    assert _read(_document(annotations=anns)).field == "segmentation"


def test_size_cap_is_checked_before_parsing(tmp_path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(json.dumps(_document()).encode())
    with pytest.raises(FormatError) as info:
        read_coco(path, max_bytes=50)
    assert (info.value.file, info.value.field) == ("big.json", "size")
    assert len(read_coco(path).annotations) == 1


def test_str_content_and_path_string_are_both_accepted(tmp_path) -> None:
    text = json.dumps(_document())
    path = tmp_path / "gold.json"
    path.write_text(text)
    assert read_coco(text) == read_coco(str(path)) == read_coco(path)
    with pytest.raises(FormatError) as info:
        read_coco(str(tmp_path / "missing.json"))
    assert info.value.field == "path"


def test_hostile_structures_still_give_format_errors() -> None:
    anns = [{"id": [1], "image_id": {"x": 1}, "category_id": [1], "bbox": [1, 1, 2, 2]}]
    error = _read(_document(annotations=anns))
    assert [p.field for p in error.problems] == ["image_id", "category_id"]
    with pytest.raises(FormatError) as info:
        read_coco(b"[" * 100_000 + b"]" * 100_000, name="deep.json")
    assert (info.value.file, info.value.field) == ("deep.json", "json")
    nan_box = _document(
        annotations=[{"id": 1, "image_id": 1, "category_id": 1, "bbox": [float("nan"), 1, 2, 2]}]
    )
    assert _read(nan_box).field == "bbox"


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xed\xa0\x80"])
def test_undecodable_bytes_in_a_streamed_file_name_the_encoding(tmp_path, bad: bytes) -> None:
    # json-stream's tokenizer raises OSError("malformed UTF-8") here, which reached the API as a 500.
    path = tmp_path / "gold.json"
    path.write_bytes(b'{"images": [], "info": "' + bad + b'", "annotations": []}')
    with pytest.raises(FormatError) as info:
        read_coco(path, name="gold.json")
    assert info.value.file == "gold.json"
    assert info.value.field == "encoding"
    assert "not UTF-8" in str(info.value)
