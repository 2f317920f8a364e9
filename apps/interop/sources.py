"""Turning an uploaded file into what a format reader takes: one document or a dataset folder.

An upload is a JSON or XML document, or a zip: YOLO and Pascal VOC folders come zipped, and a
zip holding exactly one .json/.xml (e.g. a CVAT export) stands for that document.
`open_source` is a context manager: a zip's members land in a temporary folder (beside the
upload, or in tempfile's default place) that is removed when the ``with`` block ends, also on
errors. A folder zip is extracted whole and read by the readers as a folder; a document zip's
document is streamed to the reader as it decompresses (`ImportSource.reading` keeps the zip
open for the read) and only the images beside it are extracted, for SHA-256 matching. Every
member is decompressed in chunks under the same byte cap as the upload (declared and actual
sizes both checked, so a zip bomb stops at the cap): memory is bounded by a chunk, never by a
member or the upload. Directories (management commands) are passed to the readers as they are.
"""

from __future__ import annotations

import hashlib
import posixpath
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from apps.interop.zips import (
    DOCUMENT,
    UNREADABLE,
    ZIP_MAGIC,
    ZipMember,
    extract_members,
    unreadable_zip,
    zip_entries,
)
from labelqc.formats import FormatError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
FOLDER_FORMATS = ("yolo", "voc")
DOCUMENT_SUFFIXES = {"coco": (".json",), "label_studio": (".json",), "cvat": (".xml",)}
# One-file formats whose readers stream a file on disk (memory bounded by the records kept).
STREAMED_FORMATS = ("coco", "label_studio", "cvat")
# The temporary folders a zip is extracted to start with this (hidden beside the upload).
SCRATCH_PREFIX = ".unzip-"


@dataclass(frozen=True)
class ImportSource:
    """What a reader reads: ``document`` bytes, or ``tree`` (a folder on disk)."""

    name: str
    document: bytes | None = None
    tree: Path | None = None
    # A plain uploaded file on disk: the COCO, Label Studio and CVAT readers stream it.
    path: Path | None = None
    # The document of a document zip, streamed from the zip while it is read.
    member: ZipMember | None = None

    @contextmanager
    def reading(self) -> Iterator[bytes | Path | BinaryIO | None]:
        """What a one-document reader reads: the file's path, a zip member's stream, or bytes.

        A zip member is open (with its zip) only inside the ``with`` block.
        """
        if self.member is None:
            yield self.path or self.document
            return
        with self.member.open() as stream:
            yield stream

    def image_files(self) -> Mapping[str, bytes]:
        """The images shipped with the annotations, as {relative path: bytes} (lazy on disk)."""
        return _DiskImages(self.tree) if self.tree is not None else {}


class _DiskImages(Mapping[str, bytes]):
    """Images under a folder, read one at a time when asked for; `image_digests` streams them."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._paths = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        self._known = set(self._paths)

    def path(self, key: str) -> Path:
        if key not in self._known:
            raise KeyError(key)
        return self._root / key

    def __getitem__(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def remove_leftover_extractions(folder: Path) -> int:
    """Remove the zip extractions a killed run left in ``folder``; how many there were.

    Only for a job's own upload folder: one run of a job at a time works there (the job's claim
    sees to that), so any extraction found when a run starts is a dead run's.
    """
    leftovers = [path for path in folder.glob(f"{SCRATCH_PREFIX}*") if path.is_dir()]
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)
    return len(leftovers)


@contextmanager
def open_source(
    path: Path, *, name: str, fmt: str, max_bytes: int, scratch: Path | None = None
) -> Iterator[ImportSource]:
    """The file (or folder) at ``path`` read as format ``fmt``; FormatError on a bad upload.

    Use it as ``with open_source(...) as source:``. A zip is extracted under a temporary
    folder made in ``scratch`` (tempfile's default place when None) and removed on leaving
    the block, whether it ends normally or by an exception. A document zip's document is not
    extracted: the source names it, and ``reading()`` streams it from the zip.
    """
    if path.is_dir():
        if fmt not in FOLDER_FORMATS:
            raise FormatError(name, DOCUMENT, "file", f"a folder can only hold {FOLDER_FORMATS}")
        yield ImportSource(name=name, tree=path)
        return
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(name, DOCUMENT, "size", f"{size} bytes is over the {max_bytes}-byte cap")
    with path.open("rb") as handle:
        is_zip = handle.read(4) == ZIP_MAGIC
    if not is_zip:
        if fmt == "yolo":
            raise FormatError(name, DOCUMENT, "file", "a YOLO dataset must be uploaded as a zip")
        if fmt in STREAMED_FORMATS:
            yield ImportSource(name=name, path=path)
        else:
            yield ImportSource(name=name, document=path.read_bytes())
        return
    with tempfile.TemporaryDirectory(prefix=SCRATCH_PREFIX, dir=scratch) as folder:
        # Named after the upload: a folder reader names its files' problems after the folder.
        root = Path(folder) / _folder_name(name)
        root.mkdir()
        member = _unzip(path, root, name=name, fmt=fmt, max_bytes=max_bytes)
        if member is None:
            yield ImportSource(name=name, tree=root)
        else:
            yield ImportSource(name=f"{name}/{member.key}", member=member, tree=root)


def _unzip(path: Path, root: Path, *, name: str, fmt: str, max_bytes: int) -> ZipMember | None:
    """Extract a folder zip to ``root``; for a document zip, its images, and name its document."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = zip_entries(archive, name, max_bytes)
            member = None
            if fmt not in FOLDER_FORMATS:
                key, info = _the_document(entries, name, DOCUMENT_SUFFIXES[fmt])
                member = ZipMember(
                    archive=path, info=info, key=key, zip_name=name, max_bytes=max_bytes
                )
                entries = {k: i for k, i in entries.items() if k.lower().endswith(IMAGE_SUFFIXES)}
            extract_members(archive, entries, root, name=name, max_bytes=max_bytes)
    except UNREADABLE as exc:
        raise unreadable_zip(name, exc) from exc
    return member


def _the_document(
    entries: Mapping[str, zipfile.ZipInfo], name: str, suffixes: tuple[str, ...]
) -> tuple[str, zipfile.ZipInfo]:
    documents = [(key, info) for key, info in entries.items() if key.lower().endswith(suffixes)]
    if len(documents) != 1:
        raise FormatError(
            name,
            DOCUMENT,
            "file",
            f"the zip must hold exactly one {'/'.join(suffixes)} file, not {len(documents)}",
        )
    return documents[0]


def _folder_name(name: str) -> str:
    base = PurePosixPath(name.replace("\\", "/")).name
    return base if base not in ("", ".", "..") else "upload"


def image_digests(images: Mapping[str, bytes], file_names: list[str]) -> dict[str, str]:
    """SHA-256 of each named image found among ``images`` (by path, path suffix or base name).

    Images in a folder are hashed from disk in chunks, never read whole.
    """
    by_base: dict[str, list[str]] = {}
    for path in images:
        by_base.setdefault(posixpath.basename(path), []).append(path)
    digests = {}
    for file_name in file_names:
        candidates = by_base.get(posixpath.basename(file_name), [])
        exact = [p for p in candidates if p == file_name or p.endswith("/" + file_name)]
        found = exact if len(exact) == 1 else candidates
        if len(found) == 1:
            digests[file_name] = _sha256(images, found[0])
    return digests


def _sha256(images: Mapping[str, bytes], key: str) -> str:
    if isinstance(images, _DiskImages):
        with images.path(key).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    return hashlib.sha256(images[key]).hexdigest()
