"""On-disk cache of SAM 2 image embeddings, keyed by image sha256 + model id.

One ``.npz`` file per (image, model): the image embedding and the two high-resolution feature
maps as float16 (about 8.4 MB at 1024 px for hiera models), plus the original image size.
Writes go to a temporary file in the same directory and are published with ``os.replace``, so
a reader never sees a half-written entry. The directory is capped in bytes; when a write pushes
it over, entries are evicted least-recently-used first, "used" being the access time that
``get`` stamps explicitly (mounts with noatime/relatime do not keep it for us).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

ENTRY_SUFFIX = ".npz"


@dataclass(frozen=True)
class CachedEmbedding:
    """Image features of one image for one model, as stored (float16, no batch axis).

    image_embed: (C, h, w) lowest-resolution embedding fed to the mask decoder.
    high_res_feats: the finer feature maps, finest first ((32, 4h, 4w), (64, 2h, 2w) for SAM 2).
    orig_hw: (height, width) of the image the features were computed from.
    """

    image_embed: np.ndarray
    high_res_feats: tuple[np.ndarray, ...]
    orig_hw: tuple[int, int]

    @property
    def nbytes(self) -> int:
        """Bytes of feature data held."""
        return int(self.image_embed.nbytes + sum(f.nbytes for f in self.high_res_feats))


def image_sha256(image: np.ndarray) -> str:
    """sha256 of an image array's pixels, shape and dtype (two equal arrays hash equal)."""
    contiguous = np.ascontiguousarray(image)
    digest = hashlib.sha256(f"{contiguous.shape}|{contiguous.dtype.str}|".encode())
    digest.update(memoryview(contiguous).cast("B"))
    return digest.hexdigest()


class EmbeddingCache:
    """Directory of cached embeddings with a byte cap and LRU eviction by access time.

    directory: created if missing. max_bytes: cap on the sum of entry file sizes (> 0).
    Safe across processes sharing the directory (entries are immutable files; a vanished
    entry is just a miss); an unreadable entry is deleted and reported as a miss.
    """

    def __init__(self, directory: str | os.PathLike[str], max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes: must be > 0, got {max_bytes}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self._last_stamp_ns = 0

    def path_for(self, image_digest: str, model_id: str) -> Path:
        """File that holds (or would hold) the entry for this image and model."""
        if not image_digest or not model_id:
            raise ValueError("image_digest and model_id: must be non-empty")
        key = hashlib.sha256(f"{image_digest}\n{model_id}".encode()).hexdigest()
        return self.directory / f"{key}{ENTRY_SUFFIX}"

    def _stamp(self, path: Path) -> None:
        # strictly increasing stamps keep LRU order exact even within one clock tick
        with self._lock:
            stamp = max(time.time_ns(), self._last_stamp_ns + 1)
            self._last_stamp_ns = stamp
        stat = path.stat()
        os.utime(path, ns=(stamp, stat.st_mtime_ns))

    def get(self, image_digest: str, model_id: str) -> CachedEmbedding | None:
        """The cached features, or None on a miss; a hit refreshes the entry's access time."""
        path = self.path_for(image_digest, model_id)
        try:
            with np.load(path, allow_pickle=False) as stored:
                count = int(stored["high_res_count"])
                embedding = CachedEmbedding(
                    image_embed=stored["image_embed"],
                    high_res_feats=tuple(stored[f"high_res_{i}"] for i in range(count)),
                    orig_hw=(int(stored["orig_hw"][0]), int(stored["orig_hw"][1])),
                )
            self._stamp(path)
        except FileNotFoundError:
            return None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
            logger.warning("dropping unreadable embedding cache entry %s: %s", path, error)
            path.unlink(missing_ok=True)
            return None
        return embedding

    def put(self, image_digest: str, model_id: str, embedding: CachedEmbedding) -> Path | None:
        """Store ``embedding`` atomically, then evict LRU entries until under the cap.

        Returns the entry path, or None when the single entry is larger than the cap (it is
        then not kept).
        """
        path = self.path_for(image_digest, model_id)
        arrays = {
            "image_embed": embedding.image_embed.astype(np.float16, copy=False),
            "high_res_count": np.array(len(embedding.high_res_feats)),
            "orig_hw": np.array(embedding.orig_hw, dtype=np.int64),
        }
        for index, feature in enumerate(embedding.high_res_feats):
            arrays[f"high_res_{index}"] = feature.astype(np.float16, copy=False)
        handle, temp_name = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays)
            os.replace(temp_name, path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        self._stamp(path)
        if path.stat().st_size > self.max_bytes:
            path.unlink(missing_ok=True)
            logger.warning(
                "embedding of %d bytes exceeds the cache cap; not kept", embedding.nbytes
            )
            return None
        self.evict(keep=path)
        return path

    def _entries(self) -> list[tuple[int, int, Path]]:
        """(access time ns, size, path) of every entry; vanished files are skipped."""
        entries = []
        for path in self.directory.glob(f"*{ENTRY_SUFFIX}"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            entries.append((stat.st_atime_ns, stat.st_size, path))
        return entries

    def total_bytes(self) -> int:
        """Sum of entry file sizes now."""
        return sum(size for _, size, _ in self._entries())

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Delete least-recently-accessed entries until the total fits ``max_bytes``.

        ``keep`` (the entry just written) is never chosen. Returns the deleted paths.
        """
        entries = sorted(self._entries(), key=lambda entry: (entry[0], entry[2].name))
        total = sum(size for _, size, _ in entries)
        removed: list[Path] = []
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            if keep is not None and path == keep:
                continue
            path.unlink(missing_ok=True)
            total -= size
            removed.append(path)
        return removed

    def __len__(self) -> int:
        return len(self._entries())
