"""Reading an uploaded zip safely: its entries, a member streamed, members extracted to disk.

Every byte taken from a member is counted against what the member declares and against the
import cap, so a zip bomb (or a member lying about its size) stops at the cap, and no member is
ever held in memory whole: a document is decompressed while its reader reads it
(`MemberStream`), other members are written to a folder in `MEMBER_CHUNK` pieces
(`extract_members`).
"""

from __future__ import annotations

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
DOCUMENT = "<document>"
_JUNK = ("__MACOSX/", ".DS_Store", "Thumbs.db")
# Most bytes taken from a zip member's decompressor at a time.
MEMBER_CHUNK = 1 << 20
# A zip whose structure, compressed data or CRC is broken, or whose compression is unknown.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)


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
        except UNREADABLE as exc:
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


class MemberStream(io.BufferedIOBase):
    """A zip member read as it decompresses, every byte counted against its declared size.

    Reading past the declared size (or ``max_bytes``), or stopping short of it, raises the
    FormatError an extraction of the member gives (``member is larger than it declares``); a
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
        except UNREADABLE as exc:
            raise self._fail(unreadable_zip(self._member.zip_name, exc)) from exc

    def _take(self, count: int) -> bytes:
        """Up to ``count`` (> 0) bytes from the decompressor, counted; b"" at the end."""
        if self.failure is not None:
            raise self.failure
        try:
            data = self._raw.read(count)
        except UNREADABLE as exc:
            raise self._fail(unreadable_zip(self._member.zip_name, exc)) from exc
        self._taken += len(data)
        if self._taken > self._limit or (not data and self._taken != self._size):
            member = self._member
            raise self._fail(_too_large(member.zip_name, member.key))
        return data

    def _fail(self, error: FormatError) -> FormatError:
        self.failure = error
        return error


def zip_entries(archive: zipfile.ZipFile, name: str, max_bytes: int) -> dict[str, zipfile.ZipInfo]:
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


def extract_members(
    archive: zipfile.ZipFile,
    entries: Mapping[str, zipfile.ZipInfo],
    root: Path,
    *,
    name: str,
    max_bytes: int,
) -> None:
    """Write each entry to ``root``/its key, decompressed ``MEMBER_CHUNK`` bytes at a time.

    Each member must unzip to exactly its declared size and all of them together to at most
    ``max_bytes``; the first byte past either stops the extraction with ``member is larger
    than it declares``. What was written stays under ``root`` (the caller removes it). Zip
    errors (bad CRC, broken data) propagate for the caller to report as an unreadable zip.
    """
    total = 0
    for key, info in entries.items():
        target = root.joinpath(*(part for part in key.split("/") if part))
        written = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as member, target.open("wb") as out:
                while data := member.read(min(MEMBER_CHUNK, info.file_size + 1 - written)):
                    written += len(data)
                    if written > info.file_size or total + written > max_bytes:
                        raise _too_large(name, key)
                    out.write(data)
        except OSError as exc:  # a file and a folder of the same name, a full disk, ...
            raise FormatError(name, key, "zip", f"cannot extract: {exc}") from exc
        if written != info.file_size:
            raise _too_large(name, key)
        total += written


def unreadable_zip(name: str, exc: Exception) -> FormatError:
    """The error for a zip that cannot be read (bad structure, CRC or compressed data)."""
    return FormatError(name, DOCUMENT, "zip", f"not a readable zip: {exc}")


def _too_large(name: str, key: str) -> FormatError:
    return FormatError(name, key, "size", "member is larger than it declares")


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
