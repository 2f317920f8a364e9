"""A zip holding one COCO / Label Studio / CVAT document streams that document from the zip.

The member is decompressed while the reader reads it (progress in uncompressed bytes of the
member), every byte counted against its declared size and the cap, and the zip is closed
once the read is over; the result is that of the unzipped file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.interop.services import imports
from apps.interop.sources import open_source
from apps.interop.zips import MEMBER_CHUNK
from labelqc.formats import FormatError, read_coco
from labelqc.formats._xml import iter_top_level
from tests.apps.interop.conftest import Endless, lying_about_size, make_items, shape, zipped

COUNT = 300
CAP = 1 << 20


def coco_document(count: int = COUNT, boxes: int = 8) -> bytes:
    """A COCO file: 64x48 images with ``boxes`` car boxes each, annotations last.

    The reader reports progress every 1024 annotations, so 2400 give reports mid-read.
    """
    return json.dumps(
        {
            "images": [
                {"id": i, "file_name": f"img{i}.jpg", "width": 64, "height": 48}
                for i in range(count)
            ],
            "categories": [{"id": 1, "name": "car"}],
            "annotations": [
                {
                    "id": i + 1,
                    "image_id": i % count,
                    "category_id": 1,
                    "bbox": [1, 2, 3 + i % 50, 9],
                }
                for i in range(count * boxes)
            ],
        },
        indent=1,
    ).encode()


def cvat_document(count: int = COUNT) -> bytes:
    """A CVAT for images 1.1 job export: a car box per image, the job assigned to alice."""
    meta = (
        "<meta><job><labels><label><name>car</name></label></labels>"
        "<assignee><username>alice</username></assignee></job></meta>"
    )
    images = "".join(
        f'<image id="{i}" name="img{i}.jpg" width="64" height="48">'
        f'<box label="car" xtl="1" ytl="2" xbr="{11 + i % 7}" ybr="12" occluded="0"/></image>\n'
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<annotations><version>1.1</version>{meta}\n{images}</annotations>\n"
    ).encode()


def open_zip(tmp_path: Path, content: bytes, fmt: str = "coco", name: str = "up.zip"):
    """``open_source`` on the zip written to tmp_path (use with ``with``; extracts there too)."""
    path = tmp_path / name
    path.write_bytes(content)
    return open_source(path, name=name, fmt=fmt, max_bytes=CAP, scratch=tmp_path)


def shapes() -> Counter[str]:
    """The project's annotations as a multiset of (item, class, author, kind, geometry)."""
    return Counter(json.dumps(shape(a), sort_keys=True) for a in Annotation.objects.all())


def open_handles(path: Path) -> int:
    """How many of this process's file descriptors point at ``path``."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
    return count


# --- Through the API: streamed, progress in uncompressed bytes, same result as unzipped ----


@pytest.fixture
def items(project, make_member):
    make_member(project, Role.ANNOTATOR, "alice")
    return make_items(project, {f"img{i}.jpg": (64, 48) for i in range(COUNT)})


@pytest.fixture
def spies(monkeypatch) -> dict[str, list[Any]]:
    """Records each read_dataset call (source, dataset) and each job progress report."""
    seen: dict[str, list[Any]] = {"reads": [], "progress": []}
    read_dataset, job_progress = imports.read_dataset, imports.job_progress

    def spy_read(source, fmt, **kwargs):
        dataset = read_dataset(source, fmt, **kwargs)
        seen["reads"].append((source, dataset))
        return dataset

    def spy_progress(job_id: int, *, done: int, total: int) -> None:
        seen["progress"].append((done, total))
        job_progress(job_id, done=done, total=total)

    monkeypatch.setattr(imports, "read_dataset", spy_read)
    monkeypatch.setattr(imports, "job_progress", spy_progress)
    return seen


CASES = {
    "coco": (coco_document, "annotations.json", {"source": "gold"}),
    "cvat": (cvat_document, "annotations.xml", {}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", sorted(CASES))
def test_zipped_document_streams_and_equals_the_unzipped_import(
    fmt, project, manager, items, run_import, spies
):
    make_document, member, options = CASES[fmt]
    document = make_document()
    _, plain = run_import(manager, project, document, member, format=fmt, **options)
    plain.refresh_from_db()
    assert plain.status == "succeeded", plain.errors
    written = shapes()
    annotations = sum(written.values())
    assert annotations >= COUNT
    spies["progress"].clear()

    upload = zipped({f"export/{member}": document, "__MACOSX/export/._x": b"junk"})
    assert len(upload) < len(document) // 4  # what is read is not what was uploaded
    _, job = run_import(manager, project, upload, "export.zip", format=fmt, **options)
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors

    # Streamed from the zip: the reader got the member, not its bytes.
    (_, plain_dataset), (source, dataset) = spies["reads"]
    assert source.document is None and source.path is None
    assert source.member is not None and source.member.key == member
    # Progress of the read counts uncompressed bytes of the member, 0 to its size, and
    # arrives while the member is still being read (done < total).
    size = len(document)
    read = [call for call in spies["progress"] if call[1] == size]
    assert read[0] == (0, size) and read[-1] == (size, size)
    assert [done for done, _ in read] == sorted(done for done, _ in read)
    assert any(0 < done < size for done, _ in read)
    assert spies["progress"][-1] == (
        annotations,
        annotations,
    )  # then the write stage counts annotations
    # The same as the unzipped import: same dataset, same result, the same annotations again.
    assert dataset == plain_dataset
    assert job.result["file"] == f"export.zip/{member}"
    assert {**job.result, "file": None} == {**plain.result, "file": None}
    assert shapes() == written + written


@pytest.mark.django_db
def test_a_zip_bomb_lying_about_its_size_fails_at_the_declared_size(
    project, manager, items, run_import, monkeypatch, settings
):
    settings.LABELQC_MAX_IMPORT_BYTES = CAP
    payload = b'{"images": [' + b" " * (64 * CAP) + b"]}"  # 64 MiB of JSON, zipped ~64 KiB
    upload = lying_about_size(zipped({"annotations.json": payload}), 1000)
    assert len(upload) < CAP
    decompressed: list[int] = []
    read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = read(self, n)
        decompressed.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    _, job = run_import(manager, project, upload, "bomb.zip", format="coco", source="gold")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors == [
        {
            "file": "bomb.zip",
            "record": "<document>",
            "field": "zip",
            "message": "not a readable zip: Bad CRC-32 for file 'annotations.json'",
        }
    ]
    assert sum(decompressed) <= 1000  # never past what it declared (under the cap)
    assert Annotation.objects.count() == 0


# --- The member stream: capped while read, closed afterwards --------------------------------


@pytest.mark.parametrize(
    ("fmt", "member", "payload"),
    [
        ("coco", "annotations.json", b'{"images": [' + b" " * (16 * CAP) + b"]}"),
        ("cvat", "annotations.xml", b"<annotations>" + b" " * (16 * CAP) + b"</annotations>"),
        ("label_studio", "tasks.json", b"[" + b" " * (16 * CAP) + b"]"),
    ],
)
def test_a_member_larger_than_it_declares_stops_at_the_cap(
    tmp_path, monkeypatch, fmt, member, payload
):
    with open_zip(tmp_path, zipped({member: payload[:1000]}), fmt=fmt) as source:
        assert source.member is not None and source.member.info.file_size == 1000
        Endless.handed = 0
        monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info, *a, **k: Endless(payload))
        with pytest.raises(FormatError) as caught:
            imports.read_dataset(
                source, fmt, image_sizes={}, max_bytes=CAP, progress=lambda *_: None
            )
    error = caught.value
    assert (error.file, error.record, error.field) == ("up.zip", member, "size")
    assert error.message == "member is larger than it declares"
    assert Endless.handed <= 1000 + MEMBER_CHUNK < len(payload)


def test_cvat_records_arrive_before_the_member_is_read_and_the_zip_closes(tmp_path):
    document = cvat_document()
    path = tmp_path / "up.zip"
    with open_zip(tmp_path, zipped({"job/annotations.xml": document}), fmt="cvat") as source:
        assert source.name == "up.zip/annotations.xml" and open_handles(path) == 0
        with source.reading() as stream:
            assert open_handles(path) == 1  # the zip is open while the member is read
            records = iter_top_level(stream, source.name, "annotations")
            assert next(records).tag == "version"
            assert 0 < stream.tell() < len(document)  # first record before the member was read
            assert sum(1 for r in records if r.tag == "image") == COUNT
            assert stream.tell() == len(document)
        assert stream.closed and open_handles(path) == 0


def test_the_zip_closes_after_a_failed_read(tmp_path):
    upload = lying_about_size(zipped({"a.json": b'{"images": [' + b" " * 100_000 + b"]}"}), 500)
    with open_zip(tmp_path, upload) as source:
        with pytest.raises(FormatError, match="Bad CRC-32"), source.reading() as stream:
            read_coco(stream, name=source.name)
        assert stream.closed and open_handles(tmp_path / "up.zip") == 0
        with pytest.raises(ValueError, match="closed file"):
            stream.read(1)
        # A reader that swallows the stream's error does not get away with a cut document.
        with (
            pytest.raises(FormatError, match="Bad CRC-32"),
            source.reading() as stream,
            contextlib.suppress(FormatError),
        ):
            stream.read()
        assert open_handles(tmp_path / "up.zip") == 0


def test_corrupt_compressed_data_is_an_unreadable_zip(tmp_path):
    content = bytearray(zipped({"a.json": coco_document(50)}))
    start = 30 + len("a.json")  # the compressed data follows the local header
    content[start + 200 : start + 264] = bytes(64)
    with (
        open_zip(tmp_path, bytes(content)) as source,
        pytest.raises(FormatError) as caught,
        source.reading() as stream,
    ):
        read_coco(stream, name=source.name)
    error = caught.value
    assert (error.file, error.record, error.field) == ("up.zip", "<document>", "zip")
    assert error.message.startswith("not a readable zip: ")


def test_malformed_and_bom_json_in_a_zip_read_like_the_unzipped_file(tmp_path):
    broken = b'{"images": [], "categories": [],\n "annotations": [{"id": 1,,}]}'
    with (
        open_zip(tmp_path, zipped({"a.json": broken})) as source,
        pytest.raises(FormatError) as zipped_error,
        source.reading() as stream,
    ):
        read_coco(stream, name="a.json")
    with pytest.raises(FormatError) as plain_error:
        read_coco(broken, name="a.json")
    assert str(zipped_error.value) == str(plain_error.value)
    assert "line 2 column" in zipped_error.value.record
    bom = b"\xef\xbb\xbf" + coco_document(3)
    with (
        open_zip(tmp_path, zipped({"b.json": bom}), name="bom.zip") as source,
        source.reading() as stream,
    ):
        assert read_coco(stream) == read_coco(bom)


def test_the_member_stream_seeks_lazily(tmp_path):
    document = coco_document(50)
    with open_zip(tmp_path, zipped({"a.json": document})) as source, source.reading() as stream:
        assert stream.seek(0, io.SEEK_END) == len(document)  # the declared size, read nothing
        assert stream.seek(10) == 10 and stream.read(5) == document[10:15]
        assert stream.read(100) == document[15:115] and stream.tell() == 115
        stream.seek(3)  # back: decompressed again from the start
        assert stream.read() == document[3:]
        assert stream.read(10) == b""
