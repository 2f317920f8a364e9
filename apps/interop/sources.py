"""Turning an uploaded file into what a format reader takes: one document or a dataset folder.

An upload is a JSON or XML document, or a zip: YOLO and Pascal VOC folders come zipped, and a
zip holding exactly one .json/.xml (e.g. a CVAT export) stands for that document. A zip is
read into memory member by member under the same byte cap as the upload (declared and actual
sizes both checked, so a zip bomb stops at the cap); it is never extracted to disk. Directories
(management commands) are passed to the readers as they are.
"""

from __future__ import annotations

import hashlib
import posixpath
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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


@dataclass(frozen=True)
class ImportSource:
    """What a reader reads: ``document`` bytes, or ``tree`` (a folder path or {path: bytes})."""

    name: str
    document: bytes | None = None
    tree: Path | dict[str, bytes] | None = None
    # A plain uploaded file on disk: the COCO, Label Studio and CVAT readers stream it.
    path: Path | None = None

    def image_files(self) -> Mapping[str, bytes]:
        """The images shipped with the annotations, as {relative path: bytes} (lazy on disk)."""
        if isinstance(self.tree, Path):
            return _DiskImages(self.tree)
        if isinstance(self.tree, dict):
            return {k: v for k, v in self.tree.items() if k.lower().endswith(IMAGE_SUFFIXES)}
        return {}


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
    """Read the file (or folder) at ``path`` for format ``fmt``; FormatError on a bad upload."""
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
    members = read_zip(path, name=name, max_bytes=max_bytes)
    if fmt in FOLDER_FORMATS:
        return ImportSource(name=name, tree=members)
    suffixes = DOCUMENT_SUFFIXES[fmt]
    documents = [k for k in members if k.lower().endswith(suffixes)]
    if len(documents) != 1:
        raise FormatError(
            name,
            DOCUMENT,
            "file",
            f"the zip must hold exactly one {'/'.join(suffixes)} file, not {len(documents)}",
        )
    return ImportSource(name=f"{name}/{documents[0]}", document=members[documents[0]], tree=members)


def read_zip(path: Path, *, name: str, max_bytes: int) -> dict[str, bytes]:
    """Members of a zip as {normalised relative path: bytes}, a shared top folder removed."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir() and not _is_junk(i.filename)]
            if len(infos) > MAX_ZIP_MEMBERS:
                raise FormatError(name, DOCUMENT, "zip", f"more than {MAX_ZIP_MEMBERS} files")
            declared = sum(i.file_size for i in infos)
            if declared > max_bytes:
                raise FormatError(
                    name, DOCUMENT, "size", f"unzips to {declared} bytes, over the {max_bytes} cap"
                )
            members: dict[str, bytes] = {}
            total = 0
            for info in infos:
                key = _member_path(info.filename, name)
                if info.flag_bits & 0x1:
                    raise FormatError(name, key, "zip", "encrypted zip members are not supported")
                with archive.open(info) as handle:
                    data = handle.read(info.file_size + 1)
                total += len(data)
                if len(data) != info.file_size or total > max_bytes:
                    raise FormatError(name, key, "size", "member is larger than it declares")
                members[key] = data
    except zipfile.BadZipFile as exc:
        raise FormatError(name, DOCUMENT, "zip", f"not a readable zip: {exc}") from exc
    return _strip_common_folder(members)


def _is_junk(filename: str) -> bool:
    return filename.startswith(_JUNK[0]) or posixpath.basename(filename) in _JUNK[1:]


def _member_path(filename: str, name: str) -> str:
    parts = PurePosixPath(filename.replace("\\", "/")).parts
    if not parts or filename.startswith("/") or ".." in parts:
        raise FormatError(name, filename, "zip", "member path must be relative, without '..'")
    return "/".join(parts)


def _strip_common_folder(members: dict[str, bytes]) -> dict[str, bytes]:
    """Zips made from a folder hold everything under it; the readers expect the folder's inside."""
    tops = {key.split("/", 1)[0] for key in members}
    if len(tops) == 1 and all("/" in key for key in members):
        prefix = next(iter(tops)) + "/"
        return {key[len(prefix) :]: data for key, data in members.items()}
    return members


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
