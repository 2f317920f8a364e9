"""CVAT XML from a path or a binary file is streamed: one <image> at a time, progress in bytes."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from labelqc.formats import FormatError, read_cvat

IMAGE_COUNT = 3_000
# A skipped shape with many points makes the text much larger than the Annotations kept, as
# long polylines or skeletons do in real exports.
POLYLINE = ";".join(f"{i % 600}.5,{i % 400}.25" for i in range(150))
META = (
    "<meta><task><labels>"
    "<label><name>car</name><attributes><attribute><name>parked</name>"
    "<input_type>checkbox</input_type></attribute></attributes></label>"
    "<label><name>road</name></label></labels>"
    "<assignee><username>alice</username></assignee>"
    "<owner><username>owner</username></owner></task></meta>\n"
)


def _image(index: int, shapes: str | None = None) -> str:
    if shapes is None:
        shapes = (
            '<box label="car" xtl="10" ytl="20" xbr="30.5" ybr="40" occluded="0">'
            '<attribute name="parked">true</attribute></box>'
            f'<polyline label="road" points="{POLYLINE}"/>'
        )
    return f'<image id="{index}" name="img{index}.jpg" width="640" height="480">{shapes}</image>\n'


def _document(count: int = IMAGE_COUNT, meta: str = META, last: str = "") -> str:
    images = "".join(_image(i) for i in range(count))
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<annotations><version>1.1</version>{meta}{images}{last}</annotations>\n"
    )


class CountingReader(io.RawIOBase):
    """A binary file that records how many bytes have been read from it."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)
        self.bytes_read = 0
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def read(self, size: int | None = -1) -> bytes:
        chunk = self._inner.read(size)
        self.bytes_read += len(chunk)
        self.largest_read = max(self.largest_read, len(chunk))
        return chunk


def _traced(action: Callable[[], Any]) -> tuple[Any, int, int]:
    """(result, peak bytes allocated while running, bytes still held by the result)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, kept


def test_large_cvat_path_is_streamed_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "annotations.xml"
    path.write_text(_document())
    size = path.stat().st_size
    whole, whole_peak, whole_kept = _traced(lambda: read_cvat(path.read_bytes(), name=path.name))
    calls: list[tuple[int, int]] = []
    streamed, streamed_peak, streamed_kept = _traced(
        lambda: read_cvat(path, progress=lambda done, total: calls.append((done, total)))
    )
    assert streamed == whole
    assert len(streamed.images) == len(streamed.annotations) == IMAGE_COUNT
    last = streamed.annotations[-1]
    assert (last.image, last.box, last.annotator) == (
        f"img{IMAGE_COUNT - 1}.jpg",
        (10.0, 20.0, 20.5, 20.0),
        "alice",
    )
    assert last.attributes == {"parked": True, "occluded": False}
    assert streamed.notes == (f"skipped {IMAGE_COUNT} <polyline> shape(s): not supported",)
    # Beyond the Dataset it returns, the streamed read held one chunk and one image's elements
    # (plus the image index that finds duplicates), not the file's text or tree.
    overhead, whole_overhead = streamed_peak - streamed_kept, whole_peak - whole_kept
    assert overhead < 0.2 * size, (overhead, size)
    assert overhead < 0.1 * whole_overhead, (overhead, whole_overhead)
    assert streamed_peak < 0.3 * whole_peak, (streamed_peak, whole_peak)
    # Progress counts bytes of the file, monotonically, from 0 to the size.
    assert calls[0] == (0, size) and calls[-1] == (size, size)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert len(calls) > 10


def test_images_are_read_before_the_whole_file_is(tmp_path: Path) -> None:
    data = _document().encode()
    handle = CountingReader(data)
    read_when_reported: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        read_when_reported.append((done, handle.bytes_read))

    dataset = read_cvat(handle, name="annotations.xml", progress=progress)
    assert len(dataset.images) == IMAGE_COUNT
    first_done, bytes_read = next((d, r) for d, r in read_when_reported if d > 0)
    # Images were read and reported while most of the file was still unread, in small chunks.
    assert first_done <= bytes_read < len(data) / 10
    assert handle.largest_read <= 64 * 1024
    assert read_when_reported[-1] == (len(data), len(data))


def test_streamed_and_in_memory_reads_agree(tmp_path: Path) -> None:
    project = (
        "<meta><project><labels><label><name>car</name></label></labels><tasks>"
        "<task><id>7</id><assignee><username>dan</username></assignee></task>"
        "<task><id>8</id><owner><username>eve</username></owner></task></tasks></project></meta>"
    )
    shapes = (
        '<polygon label="car" points="1,1;5,1;5,4"/>'
        '<mask label="car" rle="2, 3, 1" left="5" top="2" width="3" height="2"/>'
        '<box label="car" xtl="5" ytl="3" xbr="9" ybr="5" rotation="30" source="auto"/>'
        '<tag label="car"/>'
    )
    images = "".join(
        _image(i, shapes).replace(
            f'name="img{i}.jpg"', f'name="img{i}.jpg" subset="s{i % 2}" task_id="{7 + i % 2}"'
        )
        for i in range(20)
    )
    text = f"<annotations><version>1.1</version>{project}{images}</annotations>"
    path = tmp_path / "project.xml"
    path.write_text(text)
    from_bytes = read_cvat(text.encode())
    assert read_cvat(path) == from_bytes
    with path.open("rb") as handle:
        assert read_cvat(handle) == from_bytes
    assert from_bytes.annotators() == ("dan", None)  # task 8 has an owner, not an assignee
    assert {a.geometry for a in from_bytes.annotations} == {"polygon", "mask", "tag"}
    # <meta> after the images: the images wait for it and are read the same way.
    moved = text.replace(project, "").replace("</annotations>", project + "</annotations>")
    (tmp_path / "meta_last.xml").write_text(moved)
    assert read_cvat(tmp_path / "meta_last.xml") == from_bytes


def test_a_file_object_is_read_from_its_position() -> None:
    data = b"garbage" + _document(count=5).encode()
    handle = io.BytesIO(data)
    handle.seek(len(b"garbage"))
    calls: list[tuple[int, int]] = []
    dataset = read_cvat(handle, progress=lambda done, total: calls.append((done, total)))
    assert len(dataset.images) == 5
    assert calls[-1] == (len(data) - 7, len(data) - 7)


def test_truncated_file_names_file_position_and_last_image(tmp_path: Path) -> None:
    data = _document(count=50).encode()
    cut = data.index(b'<image id="20"') + 25
    path = tmp_path / "cut.xml"
    path.write_bytes(data[:cut])
    calls: list[tuple[int, int]] = []
    with pytest.raises(FormatError) as info:
        read_cvat(path, progress=lambda done, total: calls.append((done, total)))
    error = info.value
    line = data[:cut].count(b"\n") + 1
    assert (error.file, error.record, error.field) == ("cut.xml", f"line {line} column 0", "xml")
    assert "malformed XML" in error.message and "'img19.jpg'" in error.message
    assert calls[-1][0] < calls[-1][1]  # never reported as complete
    with pytest.raises(FormatError) as whole:
        read_cvat(data[:cut], name="cut.xml")
    assert (whole.value.record, whole.value.field) == (error.record, "xml")


@pytest.mark.parametrize(
    "prefix",
    [
        '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE a SYSTEM "file:///etc/passwd">',
    ],
)
def test_dtds_and_entities_are_refused_when_streamed(tmp_path: Path, prefix: str) -> None:
    path = tmp_path / "bomb.xml"
    path.write_text(prefix + _document(count=3, last=_image(3, "&lol2;")))
    with pytest.raises(FormatError) as info:
        read_cvat(path)
    error = info.value
    assert (error.file, error.record, error.field) == ("bomb.xml", "<document>", "DOCTYPE")
    assert "forbidden XML construct" in error.message
    # An entity reference without a declaration is malformed XML, not expanded.
    path.write_text(_document(count=3, last=_image(3, "&lol2;")))
    with pytest.raises(FormatError) as info:
        read_cvat(path)
    assert (info.value.file, info.value.field) == ("bomb.xml", "xml")
    assert "undefined entity" in info.value.message


def test_record_errors_when_streamed_match_in_memory(tmp_path: Path) -> None:
    bad = (
        '<box label="truck" xtl="1" ytl="1" xbr="4" ybr="4"/>'
        '<box label="car" xtl="600" ytl="1" xbr="700" ybr="4"/>'
    )
    path = tmp_path / "bad.xml"
    path.write_text(_document(count=30, last=_image(30, bad)))
    with pytest.raises(FormatError) as streamed:
        read_cvat(path)
    with pytest.raises(FormatError) as whole:
        read_cvat(path.read_bytes(), name="bad.xml")
    assert streamed.value.problems == whole.value.problems
    assert [(p.file, p.record, p.field) for p in streamed.value.problems] == [
        ("bad.xml", "image[30] (img30.jpg) box[0]", "label"),
        ("bad.xml", "image[30] (img30.jpg) box[1]", "xtl/ytl/xbr/ybr"),
    ]
    assert "'truck' is not declared" in streamed.value.problems[0].message
    assert "outside" in streamed.value.problems[1].message


def test_wrong_root_and_size_cap_when_streamed(tmp_path: Path) -> None:
    path = tmp_path / "voc.xml"
    path.write_text("<annotation><object/></annotation>")
    with pytest.raises(FormatError) as info:
        read_cvat(path)
    assert (info.value.file, info.value.field) == ("voc.xml", "annotations")
    path.write_text(_document(count=5))
    with pytest.raises(FormatError) as info, path.open("rb") as handle:
        read_cvat(handle, name="big.xml", max_bytes=100)
    assert (info.value.file, info.value.field) == ("big.xml", "size")
