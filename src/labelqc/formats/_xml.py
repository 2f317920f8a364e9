"""Safe incremental XML parsing: a document's top-level elements one at a time.

``defusedxml``'s ``iterparse`` refuses DTDs, entity declarations and external references
before anything is expanded, like :func:`labelqc.formats._io.parse_xml` does for a whole
document. Each child of the root element is handed over once its end tag has been parsed and
is then detached from the root, so the tree held in memory is the element being read, not
the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import TracebackType
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from labelqc.formats._io import (
    DOCUMENT,
    Progress,
    ProgressCallback,
    Source,
    load_bytes,
    open_json_stream,
    parse_xml,
)
from labelqc.formats.errors import FormatError


class XmlRecords:
    """The root's children of an XML source, in document order, with progress reporting.

    A path or a binary file object is streamed (:func:`iter_top_level`) and progress counts
    bytes of the file (total 0 when a file object cannot tell its size); bytes and str
    content are parsed whole and progress counts the children whose tag is in
    ``record_tags``. Each child is detached from the root before it is handed over. Use as a
    context manager (a file it opened is closed on exit) and call ``finish()`` after a
    successful read to report completion.
    """

    def __init__(
        self,
        source: Source | BinaryIO,
        root_tag: str,
        record_tags: tuple[str, ...],
        *,
        max_bytes: int,
        name: str | None,
        progress: ProgressCallback | None,
    ) -> None:
        self._source = source
        self._root_tag = root_tag
        self._record_tags = record_tags
        self._stream: BinaryIO | None = None
        self._root: Element | None = None
        self._start = 0
        opened = open_json_stream(source, max_bytes=max_bytes, name=name)
        if opened is None:
            data, self.display = load_bytes(source, max_bytes=max_bytes, name=name)  # type: ignore[arg-type]
            self._root = parse_xml(data, self.display)
            if self._root.tag != root_tag:
                raise _wrong_root(self.display, root_tag, self._root.tag)
            total = sum(1 for child in self._root if child.tag in record_tags)
        else:
            self._stream, self.display, total = opened
            if total:
                self._start = self._stream.tell()
        self.tracker = Progress(progress, total)

    def __enter__(self) -> XmlRecords:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stream is not None and self._stream is not self._source:
            self._stream.close()

    def __iter__(self) -> Iterator[Element]:
        tracker = self.tracker
        if self._root is not None:
            children = list(self._root)
            self._root.clear()
            children.reverse()
            while children:  # popped, so each child is freed once it has been read
                child = children.pop()
                yield child
                if child.tag in self._record_tags:
                    tracker.advance()
            return
        assert self._stream is not None
        stream, size = self._stream, tracker.total
        for child in iter_top_level(stream, self.display, self._root_tag):
            yield child
            if size and child.tag in self._record_tags:
                tracker.advance(min(stream.tell() - self._start, size) - tracker.done)

    def finish(self) -> None:
        """Report completion (call once everything read is known to be valid)."""
        self.tracker.finish()


def iter_top_level(stream: BinaryIO, display: str, root_tag: str) -> Iterator[Element]:
    """Each complete child element of the root, in document order, detached from the root.

    Raises FormatError naming ``display``: field ``DOCTYPE`` for a forbidden construct (DTD,
    entity, external reference), ``xml`` with the line and column as record for malformed
    XML (a file truncated mid-way fails when the parser reaches the cut; the message says
    how many elements were complete and which was the last), and ``root_tag`` when the root
    element is not ``<root_tag>``. The consumer may keep or clear the element it is given;
    the parser keeps no reference to it once the next one is read.
    """
    root: Element | None = None
    depth = count = 0
    last: tuple[str, str | None, str | None] = (root_tag, None, None)
    events = SafeElementTree.iterparse(
        stream,
        events=("start", "end"),
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        for event, element in events:
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                    if element.tag != root_tag:
                        raise _wrong_root(display, root_tag, element.tag)
                continue
            depth -= 1
            if depth == 1 and root is not None:
                root.remove(element)
                count += 1
                last = (element.tag, element.get("id"), element.get("name"))
                yield element
    except DefusedXmlException as exc:
        raise forbidden_construct(display, exc) from exc
    except ParseError as exc:
        error = malformed(display, exc)
        if root is None:
            raise error from exc
        where = f"after {count} complete element(s) under <{root_tag}>"
        if count:
            tag, element_id, element_name = last
            where += f", the last <{tag}>" + "".join(
                f" {key} {value!r}"
                for key, value in (("id", element_id), ("name", element_name))
                if value is not None
            )
        message = f"{error.message} ({where})"
        raise FormatError(error.file, error.record, error.field, message) from exc


def forbidden_construct(display: str, exc: DefusedXmlException) -> FormatError:
    """The error for a DTD, entity or external reference (the same as for a whole document)."""
    return FormatError(
        display, DOCUMENT, "DOCTYPE", f"forbidden XML construct ({type(exc).__name__}): {exc}"
    )


def malformed(display: str, exc: ParseError) -> FormatError:
    """The error for malformed XML, with the line and column as the record."""
    line, column = getattr(exc, "position", (0, 0))
    return FormatError(display, f"line {line} column {column}", "xml", f"malformed XML: {exc}")


def _wrong_root(display: str, root_tag: str, tag: str) -> FormatError:
    return FormatError(display, DOCUMENT, root_tag, f"root element is <{tag}>")
