"""Input handling shared by the readers: sources, size caps, safe parsing, progress, numbers."""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
import json_stream
from defusedxml import DefusedXmlException

from labelqc.formats.errors import FormatError

# A file given as raw content (bytes), a path, or a str that is either content or a path.
Source = bytes | bytearray | memoryview | str | os.PathLike[str]
# A directory of files: a path, or the {relative_path: bytes} mapping the writers return.
TreeSource = str | os.PathLike[str] | Mapping[str, bytes]
ProgressCallback = Callable[[int, int], None]

ParsedT = TypeVar("ParsedT")

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
DOCUMENT = "<document>"


def looks_like_content(text: str) -> bool:
    """True when a str is a JSON/XML document rather than a path.

    JSON and XML documents start (after white space or a byte-order mark) with ``{``, ``[``
    or ``<``; file names in practice do not.
    """
    head = text.lstrip("\ufeff \t\r\n")[:1]
    return head in ("{", "[", "<") or head == ""


def load_bytes(source: Source, *, max_bytes: int, name: str | None) -> tuple[bytes, str]:
    """Read a source into bytes, enforcing the size cap before reading a file.

    Returns ``(content, display_name)``; the display name is ``name`` when given, else the
    file's name, else ``<bytes>`` / ``<str>``.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        display = name or "<bytes>"
    elif isinstance(source, str) and looks_like_content(source):
        data = source.encode("utf-8")
        display = name or "<str>"
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        display = name or path.name
        try:
            size = path.stat().st_size
        except (OSError, ValueError) as exc:
            raise FormatError(display, DOCUMENT, "path", f"cannot open: {exc}") from exc
        check_size(size, max_bytes, display)
        return path.read_bytes(), display
    else:
        raise FormatError(name or "<input>", DOCUMENT, "source", f"unsupported type {type(source)}")
    check_size(len(data), max_bytes, display)
    return data, display


def check_size(size: int, max_bytes: int, display: str) -> None:
    """Raise FormatError when a file is larger than the cap."""
    if size > max_bytes:
        raise FormatError(
            display, DOCUMENT, "size", f"{size} bytes is over the {max_bytes}-byte cap (max_bytes)"
        )


def parse_json(data: bytes, display: str) -> Any:
    """Parse JSON, turning syntax errors into a FormatError with line and column."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise FormatError(display, DOCUMENT, "encoding", f"not UTF-8: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise FormatError(
            display, f"line {exc.lineno} column {exc.colno}", "json", f"malformed JSON: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise FormatError(display, DOCUMENT, "json", "nested too deeply") from exc


def parse_xml(data: bytes, display: str) -> Element:
    """Parse XML with defusedxml, refusing DTDs, entities and external references."""
    try:
        return SafeElementTree.fromstring(
            data, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise FormatError(
            display, DOCUMENT, "DOCTYPE", f"forbidden XML construct ({type(exc).__name__}): {exc}"
        ) from exc
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise FormatError(
            display, f"line {line} column {column}", "xml", f"malformed XML: {exc}"
        ) from exc


class Progress:
    """Calls ``callback(done, total)`` at the start, about every 1% and at the end."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self.total = total
        self.done = 0
        self._step = max(1, total // 100)
        self._next = self._step
        if callback is not None:
            callback(0, total)

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more records as done."""
        self.done += count
        if self._callback is not None and self.done >= self._next and self.done < self.total:
            self._callback(self.done, self.total)
            self._next = self.done + self._step

    def finish(self) -> None:
        """Report completion."""
        if self._callback is not None:
            self._callback(self.total, self.total)


def format_number(value: float) -> str:
    """Plain decimal text for a coordinate: integers without a point, else up to 6 decimals.

    Never uses exponent notation (some readers, e.g. datumaro's YOLO probe, reject it).
    """
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_float(text: str | None) -> float | None:
    """A finite float from text, or None when missing, malformed or not finite."""
    if text is None:
        return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def is_number(value: object) -> bool:
    """True for a finite int/float that is not a bool."""
    kind = type(value)
    if kind is float:
        return math.isfinite(value)  # type: ignore[arg-type]
    if kind is int:
        return True
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


class FileTree:
    """Read-only view of a dataset folder: a directory on disk or a {relative_path: bytes} map.

    Paths are POSIX-style and relative to the root. Each file read is size-capped, and the
    total read is capped as well.
    """

    def __init__(self, source: TreeSource, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._read_total = 0
        if isinstance(source, Mapping):
            self._files: dict[str, bytes] | None = {
                str(PurePosixPath(k)): bytes(v) for k, v in source.items()
            }
            self._root: Path | None = None
            self.name = "<mapping>"
        else:
            root = Path(source)
            if not root.is_dir():
                raise FormatError(str(root), DOCUMENT, "path", "not a directory")
            self._files = None
            self._root = root
            self.name = root.name

    def paths(self) -> list[str]:
        """All file paths, sorted."""
        if self._files is not None:
            return sorted(self._files)
        assert self._root is not None
        return sorted(
            p.relative_to(self._root).as_posix() for p in self._root.rglob("*") if p.is_file()
        )

    def exists(self, rel: str) -> bool:
        """Whether a file exists at the relative path."""
        if self._files is not None:
            return rel in self._files
        assert self._root is not None
        return (self._root / rel).is_file()

    def read(self, rel: str) -> bytes:
        """The bytes of one file, enforcing the per-file and total size caps."""
        if self._files is not None:
            data = self._files[rel]
            check_size(len(data), self.max_bytes, rel)
        else:
            assert self._root is not None
            path = self._root / rel
            check_size(path.stat().st_size, self.max_bytes, rel)
            data = path.read_bytes()
        self._read_total += len(data)
        check_size(self._read_total, self.max_bytes, f"{self.name} (all files read)")
        return data

    def image_size(self, rel: str) -> tuple[int, int] | None:
        """(width, height) from the image header, or None when it cannot be read."""
        from PIL import Image, UnidentifiedImageError

        try:
            if self._files is not None:
                with Image.open(io.BytesIO(self._files[rel])) as image:
                    return int(image.width), int(image.height)
            assert self._root is not None
            with Image.open(self._root / rel) as image:
                return int(image.width), int(image.height)
        except (OSError, UnidentifiedImageError, KeyError):
            return None


def open_json_stream(
    source: Source | BinaryIO, *, max_bytes: int, name: str | None
) -> tuple[BinaryIO, str, int] | None:
    """A binary file to stream JSON from, its display name and its size in bytes.

    Returns None for in-memory content (bytes, or a str holding the document): those are
    parsed whole, since their text is already in memory. Paths are size-capped before
    opening; a seekable file object is capped on the bytes left to read.
    """
    if isinstance(source, bytes | bytearray | memoryview) or (
        isinstance(source, str) and looks_like_content(source)
    ):
        return None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        display = name or path.name
        try:
            size = path.stat().st_size
            check_size(size, max_bytes, display)
            return path.open("rb"), display, size
        except OSError as exc:
            raise FormatError(display, DOCUMENT, "path", f"cannot open: {exc}") from exc
    if hasattr(source, "read"):
        display = name or str(getattr(source, "name", "<file>"))
        size = 0
        if source.seekable():
            start = source.tell()
            size = source.seek(0, os.SEEK_END) - start
            source.seek(start)
            check_size(size, max_bytes, display)
        return source, display, size
    raise FormatError(name or "<input>", DOCUMENT, "source", f"unsupported type {type(source)}")


def reread_whole(stream: BinaryIO, start: int, display: str, max_bytes: int) -> Any:
    """Parse a streamed file again whole (after a streaming parse failed) for exact errors.

    Raises the same FormatError (line, column) the whole-document reader gives for
    malformed JSON; returns the parsed document when the file is valid JSON the streaming
    tokenizer refused (e.g. one starting with a UTF-8 byte-order mark).
    """
    stream.seek(start)
    data = stream.read(max_bytes + 1)
    check_size(len(data), max_bytes, display)
    return parse_json(data, display)


def read_json_source(
    source: Source | BinaryIO,
    *,
    max_bytes: int,
    name: str | None,
    read_parsed: Callable[[Any, str], ParsedT],
    read_streamed: Callable[[Any, BinaryIO, str, int], ParsedT],
) -> ParsedT:
    """Read a JSON source whole (in-memory content) or streamed (path or binary file).

    ``read_parsed(document, display)`` reads a parsed document; ``read_streamed(root,
    stream, display, size)`` reads json_stream's transient root (iterate each record once).
    When the streaming tokenizer refuses the file, it is parsed again whole so malformed JSON
    fails with the same FormatError (line and column) as in-memory content, and valid JSON the
    tokenizer does not take (a UTF-8 byte-order mark) is still read.
    """
    opened = open_json_stream(source, max_bytes=max_bytes, name=name)
    if opened is None:
        data, display = load_bytes(source, max_bytes=max_bytes, name=name)  # type: ignore[arg-type]
        return read_parsed(parse_json(data, display), display)
    stream, display, size = opened
    start = stream.tell() if stream.seekable() else 0
    try:
        try:
            root = json_stream.load(stream, persistent=False)
            return read_streamed(root, stream, display, size)
        except FormatError:
            raise
        except (ValueError, RecursionError, OSError) as exc:
            # json-stream's Rust tokenizer reports undecodable bytes as an OSError: the whole
            # parse names them (a real I/O error raises again there).
            if not stream.seekable():
                if isinstance(exc, OSError):
                    raise
                raise FormatError(display, DOCUMENT, "json", f"malformed JSON: {exc}") from exc
            return read_parsed(reread_whole(stream, start, display, max_bytes), display)
    finally:
        if stream is not source:
            stream.close()


def iter_streamed_records(
    items: Iterable[Any], stream: BinaryIO, tracker: Progress, every: int
) -> Iterator[tuple[int, Any]]:
    """(index, record) for each item of a transient json_stream list, as plain Python values.

    Every ``every`` records the tracker advances to the bytes read so far (its total is the
    file size).
    """
    for index, item in enumerate(items):
        yield index, json_stream.to_standard_types(item)
        if index % every == every - 1:
            tracker.advance(min(stream.tell(), tracker.total) - tracker.done)
