"""Turning an uploaded file into what a format reader takes: one document or a dataset folder.

An upload is a JSON or XML document, or a zip: YOLO and Pascal VOC folders come zipped, and a
zip holding exactly one .json/.xml (e.g. a CVAT export) stands for that document. A folder zip
is read into memory member by member under the same byte cap as the upload (declared and
actual sizes both checked, so a zip bomb stops at the cap); it is never extracted to disk. A
document zip's document is streamed to the reader as it decompresses (`ImportSource.reading`
keeps the zip open for the read), counted against its declared size and the cap as it goes;
only the images shipped beside it are read into memory. Directories (management commands) are
passed to the readers as they are.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from labelqc.formats import FormatError

ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 200_000
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
FOLDER_FORMATS = ("yolo", "voc")
DOCUMENT_SUFFIXES = {"coco": (".json",), "label_studio": (".json",), "cvat": (".xml",)}
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")
DOCUMENT = "<document>"
# One-file formats whose readers stream a file on disk (memory bounded by the records kept).
STREAMED_FORMATS = ("coco", "label_studio", "cvat")
# Most bytes taken from a zip member's decompressor at a time.
MEMBER_CHUNK = 1 << 20
# A zip whose structure, compressed data or CRC is broken, or whose compression is unknown.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


@dataclass(frozen=True)
class ZipMember:
    """The one document of a document zip: where it is, and what it may unzip to."""

    archive: Path
    info: zipfile.ZipInfo
    key: str  # its normalised path, as errors name it
    zip_name: str  # the upload's name
    max_bytes: int

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        """The member as a binary file decompressed while read; the zip is closed on exit.

        A FormatError the stream raised (unreadable zip, member larger than it declares or
        than the cap) is what leaves, even when the reader wrapped it in another exception
        (json-stream's tokenizer turns it into an OSError) or swallowed it.
        """
        try:
            archive = zipfile.ZipFile(self.archive)
        except _UNREADABLE as exc:
            raise unreadable_zip(self.zip_name, exc) from exc
        with archive, MemberStream(archive, self) as stream:
            try:
                yield stream
            except Exception as exc:
                if stream.failure is None or exc is stream.failure:
                    raise
                raise stream.failure from exc
            if stream.failure is not None:  # a reader that swallowed it read a cut document
                raise stream.failure


@dataclass(frozen=True)
class ImportSource:
    """What a reader reads: ``document`` bytes, or ``tree`` (a folder path or {path: bytes})."""

    name: str
    document: bytes | None = None
    tree: Path | dict[str, bytes] | None = None
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
        if isinstance(self.tree, Path):
            return _DiskImages(self.tree)
        if isinstance(self.tree, dict):
            return {k: v for k, v in self.tree.items() if k.lower().endswith(IMAGE_SUFFIXES)}
        return {}


class MemberStream(io.BufferedIOBase):
    """A zip member read as it decompresses, every byte counted against its declared size.

    Reading past the declared size (or ``max_bytes``), or stopping short of it, raises the
    FormatError a whole read of the member gives (``member is larger than it declares``); a
    corrupt member (bad CRC, broken deflate data) raises ``not a readable zip``. A failure
    sticks: later reads raise it again. Seeking is lazy (the position moves; nothing is
    decompressed until the next read), so a reader may ask the size with ``seek(0, 2)``,
    which is the declared size; going back re-opens the member and decompresses from the
    start.
    """

    def __init__(self, archive: zipfile.ZipFile, member: ZipMember) -> None:
        super().__init__()
        self._archive = archive
        self._member = member
        self._size = member.info.file_size
        self._limit = min(self._size, member.max_bytes)
        self._pos = 0  # the reader's position (tell, seek)
        self._taken = 0  # bytes taken from the decompressor since the member was opened
        self.failure: FormatError | None = None
        self._raw = self._open()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._check_open()
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}
        if whence not in bases:
            raise ValueError(f"invalid whence ({whence})")
        position = bases[whence] + offset
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._pos = position
        return position

    def read(self, size: int | None = -1) -> bytes:
        self._check_open()
        if size == 0:
            return b""
        if self._pos < self._taken:  # a seek back: start over
            self._raw.close()
            self._raw = self._open()
            self._taken = 0
        while self._taken < self._pos:  # a seek forward: decompress and drop
            if not self._take(min(MEMBER_CHUNK, self._pos - self._taken)):
                return b""
        want = -1 if size is None or size < 0 else size
        chunks = []
        while want:
            data = self._take(MEMBER_CHUNK if want < 0 else min(want, MEMBER_CHUNK))
            if not data:
                break
            chunks.append(data)
            want -= len(data) if want > 0 else 0
        data = b"".join(chunks)
        self._pos += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(MEMBER_CHUNK if size < 0 else size)

    def close(self) -> None:
        raw = getattr(self, "_raw", None)  # None when opening the member failed
        if raw is not None and not self.closed:
            raw.close()
        super().close()

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def _open(self) -> IO[bytes]:
        try:
            return self._archive.open(self._member.info)
        except _UNREADABLE as exc:
            raise self._fail(unreadable_zip(self._member.zip_name, exc)) from exc

    def _take(self, count: int) -> bytes:
        """Up to ``count`` (> 0) bytes from the decompressor, counted; b"" at the end."""
        if self.failure is not None:
            raise self.failure
        try:
            data = self._raw.read(count)
        except _UNREADABLE as exc:
            raise self._fail(unreadable_zip(self._member.zip_name, exc)) from exc
        self._taken += len(data)
        if self._taken > self._limit or (not data and self._taken != self._size):
            member = self._member
            raise self._fail(
                FormatError(
                    member.zip_name, member.key, "size", "member is larger than it declares"
                )
            )
        return data

    def _fail(self, error: FormatError) -> FormatError:
        self.failure = error
        return error


class _DiskImages(Mapping[str, bytes]):
    """Images under a folder, read one at a time when asked for (so hashing stays small)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._paths = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )

    def __getitem__(self, key: str) -> bytes:
        if key not in self._paths:
            raise KeyError(key)
        return (self._root / key).read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def open_source(path: Path, *, name: str, fmt: str, max_bytes: int) -> ImportSource:
    """Read the file (or folder) at ``path`` for format ``fmt``; FormatError on a bad upload.

    A document zip's document is not read here: the source names it, and ``reading()``
    streams it.
    """
    if path.is_dir():
        if fmt not in FOLDER_FORMATS:
            raise FormatError(name, DOCUMENT, "file", f"a folder can only hold {FOLDER_FORMATS}")
        return ImportSource(name=name, tree=path)
    size = path.stat().st_size
    if size > max_bytes:
        raise FormatError(name, DOCUMENT, "size", f"{size} bytes is over the {max_bytes}-byte cap")
    with path.open("rb") as handle:
        is_zip = handle.read(4) == ZIP_MAGIC
    if not is_zip:
        if fmt == "yolo":
            raise FormatError(name, DOCUMENT, "file", "a YOLO dataset must be uploaded as a zip")
        if fmt in STREAMED_FORMATS:
            return ImportSource(name=name, path=path)
        return ImportSource(name=name, document=path.read_bytes())
    if fmt in FOLDER_FORMATS:
        return ImportSource(name=name, tree=read_zip(path, name=name, max_bytes=max_bytes))
    return _zipped_document(path, name=name, suffixes=DOCUMENT_SUFFIXES[fmt], max_bytes=max_bytes)


def read_zip(path: Path, *, name: str, max_bytes: int) -> dict[str, bytes]:
    """Members of a zip as {normalised relative path: bytes}, a shared top folder removed."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_members(archive, _zip_entries(archive, name, max_bytes), name, max_bytes)
    except _UNREADABLE as exc:
        raise unreadable_zip(name, exc) from exc


def _zipped_document(
    path: Path, *, name: str, suffixes: tuple[str, ...], max_bytes: int
) -> ImportSource:
    """The one document of a zip, to be streamed; the images beside it read into memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = _zip_entries(archive, name, max_bytes)
            documents = [
                (key, info) for key, info in entries.items() if key.lower().endswith(suffixes)
            ]
            if len(documents) != 1:
                raise FormatError(
                    name,
                    DOCUMENT,
                    "file",
                    f"the zip must hold exactly one {'/'.join(suffixes)} file, not {len(documents)}",
                )
            key, info = documents[0]
            images = {k: i for k, i in entries.items() if k.lower().endswith(IMAGE_SUFFIXES)}
            tree = _read_members(archive, images, name, max_bytes)
    except _UNREADABLE as exc:
        raise unreadable_zip(name, exc) from exc
    member = ZipMember(archive=path, info=info, key=key, zip_name=name, max_bytes=max_bytes)
    return ImportSource(name=f"{name}/{key}", member=member, tree=tree)


def _zip_entries(archive: zipfile.ZipFile, name: str, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The zip's files as {normalised relative path: ZipInfo}, a shared top folder removed.

    Refuses too many files, a declared total over ``max_bytes``, paths that are absolute or
    hold '..', and encrypted members; folders and junk (``__MACOSX/``, ``.DS_Store``,
    ``Thumbs.db``) are left out.
    """
    infos = [i for i in archive.infolist() if not i.is_dir() and not _is_junk(i.filename)]
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FormatError(name, DOCUMENT, "zip", f"more than {MAX_ZIP_MEMBERS} files")
    declared = sum(i.file_size for i in infos)
    if declared > max_bytes:
        raise FormatError(
            name, DOCUMENT, "size", f"unzips to {declared} bytes, over the {max_bytes} cap"
        )
    entries: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        key = _member_path(info.filename, name)
        if info.flag_bits & 0x1:
            raise FormatError(name, key, "zip", "encrypted zip members are not supported")
        entries[key] = info
    return _strip_common_folder(entries)


def _read_members(
    archive: zipfile.ZipFile, entries: Mapping[str, zipfile.ZipInfo], name: str, max_bytes: int
) -> dict[str, bytes]:
    """The bytes of each entry, each no larger than it declares and all within ``max_bytes``."""
    members: dict[str, bytes] = {}
    total = 0
    for key, info in entries.items():
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
        total += len(data)
        if len(data) != info.file_size or total > max_bytes:
            raise FormatError(name, key, "size", "member is larger than it declares")
        members[key] = data
    return members


def unreadable_zip(name: str, exc: Exception) -> FormatError:
    """The error for a zip that cannot be read (bad structure, CRC or compressed data)."""
    return FormatError(name, DOCUMENT, "zip", f"not a readable zip: {exc}")


def _is_junk(filename: str) -> bool:
    return filename.startswith(_JUNK[0]) or posixpath.basename(filename) in _JUNK[1:]


def _member_path(filename: str, name: str) -> str:
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    if not parts or filename.startswith("/") or ".." in parts:
        raise FormatError(name, filename, "zip", "member path must be relative, without '..'")
    return "/".join(parts)


def _strip_common_folder(entries: dict[str, zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Zips made from a folder hold everything under it; the readers expect the folder's inside."""
    tops = {key.split("/", 1)[0] for key in entries}
    if len(tops) == 1 and all("/" in key for key in entries):
        prefix = next(iter(tops)) + "/"
        return {key[len(prefix) :]: info for key, info in entries.items()}
    return entries


def image_digests(images: Mapping[str, bytes], file_names: list[str]) -> dict[str, str]:
    """SHA-256 of each named image found among ``images`` (by path, path suffix or base name)."""
    by_base: dict[str, list[str]] = {}
    for path in images:
        by_base.setdefault(posixpath.basename(path), []).append(path)
    digests = {}
    for file_name in file_names:
        candidates = by_base.get(posixpath.basename(file_name), [])
        exact = [p for p in candidates if p == file_name or p.endswith("/" + file_name)]
        found = exact if len(exact) == 1 else candidates
        if len(found) == 1:
            digests[file_name] = hashlib.sha256(images[found[0]]).hexdigest()
    return digests
