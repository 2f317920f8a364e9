"""The zip's rules hold while its members are extracted to a temporary folder beside it.

Declared and actual sizes, the byte cap, relative paths, encrypted members, junk and a shared
top folder are checked as when members were read into memory, with the same errors; the folder
is removed when the ``with open_source(...)`` block ends, also when opening the zip failed.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

import pytest

from apps.interop.sources import SCRATCH_PREFIX, ImportSource, image_digests, open_source
from apps.interop.zips import MEMBER_CHUNK, extract_members, zip_entries
from labelqc.formats import FormatError
from tests.apps.interop.conftest import Endless, lying_about_size, zipped

CAP = 1 << 20


def open_zip(tmp_path: Path, content: bytes, fmt: str = "coco", name: str = "up.zip"):
    """``open_source`` on the zip written to tmp_path (use with ``with``; extracts there too)."""
    path = tmp_path / name
    path.write_bytes(content)
    return open_source(path, name=name, fmt=fmt, max_bytes=CAP, scratch=tmp_path)


def refusal(tmp_path: Path, content: bytes, **kwargs: Any) -> tuple[str, str, str, str]:
    """The FormatError opening the zip gives, as (file, record, field, message)."""
    with pytest.raises(FormatError) as caught, open_zip(tmp_path, content, **kwargs):
        pass
    assert sorted(tmp_path.glob(f"{SCRATCH_PREFIX}*")) == []  # what was extracted is gone
    error = caught.value
    return error.file, error.record, error.field, error.message


def flagged_encrypted(content: bytes) -> bytes:
    """The zip with every member flagged encrypted (local and central headers)."""
    data = bytearray(content)
    for at in range(len(data) - 3):
        if data[at : at + 4] in (b"PK\x03\x04", b"PK\x01\x02"):
            data[at + (6 if data[at + 2] == 3 else 8)] |= 0x1
    return bytes(data)


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- As before: the same errors, nothing left on disk ------------------------------------------


@pytest.mark.parametrize(
    ("members", "record", "field", "message"),
    [
        (
            {"a.json": b"{}", "b/c.json": b"{}"},
            "<document>",
            "file",
            "the zip must hold exactly one .json file, not 2",
        ),
        (
            {"img.jpg": b"x"},
            "<document>",
            "file",
            "the zip must hold exactly one .json file, not 0",
        ),
        (
            {"a.json": b"{}", "../evil.jpg": b"x"},
            "../evil.jpg",
            "zip",
            "member path must be relative, without '..'",
        ),
    ],
)
def test_document_zip_errors_are_unchanged(tmp_path, members, record, field, message):
    assert refusal(tmp_path, zipped(members)) == ("up.zip", record, field, message)


def test_encrypted_and_oversized_document_zips_are_refused(tmp_path):
    encrypted = refusal(tmp_path, flagged_encrypted(zipped({"a.json": b"{}"})))
    assert encrypted[1:] == ("a.json", "zip", "encrypted zip members are not supported")
    big = refusal(tmp_path, zipped({"a.json": b" " * (CAP + 1)}), name="big.zip")
    assert big == (
        "big.zip",
        "<document>",
        "size",
        f"unzips to {CAP + 1} bytes, over the {CAP} cap",
    )
    bad = refusal(tmp_path, b"PK\x03\x04broken", name="bad.zip")
    assert bad[:3] == ("bad.zip", "<document>", "zip")
    assert bad[3].startswith("not a readable zip")


# --- Extracting: capped while written ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["yolo", "coco"])
def test_a_member_larger_than_it_declares_stops_past_its_declared_size(tmp_path, monkeypatch, fmt):
    members = {"labels/a.txt": b"0 .5 .5 1 1\n", "a.jpg": b"jpeg"}
    if fmt == "coco":
        members = {"a.json": b"{}", "a.jpg": b"jpeg"}
    content = zipped(members)
    Endless.handed = 0
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda s, i, *a, **k: Endless(b"x" * 4 * CAP))
    error = refusal(tmp_path, content, fmt=fmt)
    key = "a.jpg" if fmt == "coco" else "labels/a.txt"
    assert error == ("up.zip", key, "size", "member is larger than it declares")
    assert Endless.handed == len(members[key]) + 1  # one byte past what it declares, no more
    # What lands on disk is never more than the member declares.
    root = tmp_path / "out"
    root.mkdir()
    with zipfile.ZipFile(tmp_path / "up.zip") as archive, pytest.raises(FormatError):
        extract_members(
            archive, zip_entries(archive, "up.zip", CAP), root, name="up", max_bytes=CAP
        )
    assert [p.stat().st_size for p in root.rglob("*") if p.is_file()] == [0]


def test_a_zip_lying_about_a_members_size_is_unreadable(tmp_path):
    upload = lying_about_size(zipped({"a.txt": b"x" * 5000}), 100)
    file, record, field, message = refusal(tmp_path, upload, fmt="yolo")
    assert (file, record, field) == ("up.zip", "<document>", "zip")
    assert message == "not a readable zip: Bad CRC-32 for file 'a.txt'"


@pytest.mark.parametrize("fmt", ["yolo", "voc", "cvat"])
def test_zip_rules_are_unchanged_when_extracting(tmp_path, fmt):
    document = {"a.xml": b"<annotations/>"} if fmt == "cvat" else {}
    over = {**document, "a.jpg": b"x" * (CAP // 2), "b.jpg": b"y" * (CAP // 2 + 1)}
    size = CAP + 1 + sum(len(v) for v in document.values())
    assert refusal(tmp_path, zipped(over), fmt=fmt) == (
        "up.zip",
        "<document>",
        "size",
        f"unzips to {size} bytes, over the {CAP} cap",
    )
    assert refusal(tmp_path, zipped({**document, "../evil.jpg": b"x"}), fmt=fmt) == (
        "up.zip",
        "../evil.jpg",
        "zip",
        "member path must be relative, without '..'",
    )
    flagged = flagged_encrypted(zipped({**document, "s.jpg": b"x"}, zipfile.ZIP_STORED))
    assert refusal(tmp_path, flagged, fmt=fmt)[1:] == (
        "a.xml" if fmt == "cvat" else "s.jpg",
        "zip",
        "encrypted zip members are not supported",
    )


def test_extraction_keeps_a_running_total_against_the_cap(tmp_path):
    path = tmp_path / "up.zip"
    path.write_bytes(zipped({"a.txt": b"a" * 600, "b.txt": b"b" * 600}))
    root = tmp_path / "out"
    root.mkdir()
    with zipfile.ZipFile(path) as archive:
        entries = zip_entries(archive, "up.zip", 2000)
        with pytest.raises(FormatError) as caught:
            extract_members(archive, entries, root, name="up.zip", max_bytes=1000)
    assert (caught.value.record, caught.value.field) == ("b.txt", "size")
    assert caught.value.message == "member is larger than it declares"
    assert (root / "a.txt").read_bytes() == b"a" * 600
    assert (root / "b.txt").stat().st_size <= 400


def test_a_member_that_cannot_be_written_is_a_format_error(tmp_path):
    error = refusal(tmp_path, zipped({"a": b"file", "a/b.txt": b"under a file"}), fmt="yolo")
    assert error[:3] == ("up.zip", "a/b.txt", "zip")
    assert error[3].startswith("cannot extract: ")


# --- What lands on disk, and how images are hashed from it -------------------------------


def test_images_beside_the_document_are_extracted_for_sha256_matching(tmp_path):
    upload = zipped({"d/a.json": b"{}", "d/images/x.jpg": b"jpeg", "d/notes.txt": b"hi"})
    with open_zip(tmp_path, upload) as source:
        assert source.name == "up.zip/a.json"
        assert source.image_files() == {"images/x.jpg": b"jpeg"}
        # Only the images land on disk, in a temporary folder beside the upload.
        assert isinstance(source.tree, Path) and source.tree.parent.parent == tmp_path
        assert files_under(source.tree) == {"images/x.jpg": b"jpeg"}
    assert not source.tree.exists()


def test_folder_zips_are_extracted_whole_and_removed_afterwards(tmp_path):
    upload = zipped({"set/labels/a.txt": b"0 .5 .5 1 1\n", "set/x.jpg": b"jpeg"})
    with open_zip(tmp_path, upload, fmt="yolo") as source:
        assert source.member is None and isinstance(source.tree, Path)
        assert source.tree.name == "up.zip"  # a folder reader names its problems after it
        assert files_under(source.tree) == {"labels/a.txt": b"0 .5 .5 1 1\n", "x.jpg": b"jpeg"}
    assert list(tmp_path.iterdir()) == [tmp_path / "up.zip"]


def test_image_digests_hash_a_mapping_or_a_folder_alike(tmp_path):
    images = {"x/a.jpg": b"a" * (3 * MEMBER_CHUNK + 7), "b.png": b"b"}
    for key, data in images.items():
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(data)
    expected = {"a.jpg": hashlib.sha256(images["x/a.jpg"]).hexdigest()}
    expected["b.png"] = hashlib.sha256(b"b").hexdigest()
    assert image_digests(images, ["a.jpg", "b.png", "c.png"]) == expected
    on_disk = ImportSource(name="d", tree=tmp_path).image_files()
    assert image_digests(on_disk, ["a.jpg", "b.png", "c.png"]) == expected
