"""Reading an item's stored image: storage errors are transient, decoding errors are the item's.

`read_item_bytes` raises `StorageError` (an OSError: worth a retry) when the storage cannot be
read, and `ItemImageError` when the item has no stored file or the file is gone; `decode_rgb`
raises `ItemImageError` for bytes that are not a readable image (a corrupt item).
"""

from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from PIL import Image

from apps.items.models import Item


class ItemImageError(Exception):
    """The item's image is missing or unreadable: that item fails, the job goes on."""


class StorageError(OSError):
    """Reading from storage failed in a way a retry may cure."""


def read_item_bytes(item: Item) -> bytes:
    if not item.file:
        raise ItemImageError(
            f"item {item.pk} has no stored image file (uri-only items cannot be read)"
        )
    try:
        with item.file.open("rb") as stream:
            return stream.read()
    except FileNotFoundError as error:
        raise ItemImageError(f"item {item.pk}: image file {item.file.name!r} is missing") from error
    except OSError as error:
        raise StorageError(f"item {item.pk}: reading {item.file.name!r} failed: {error}") from error


def decode_rgb(data: bytes, *, item_id: int | None = None) -> np.ndarray:
    """H x W x 3 uint8 RGB pixels (no EXIF rotation: item width/height are the stored size)."""
    where = f"item {item_id}" if item_id is not None else "image"
    max_pixels = settings.LABELQC_MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ItemImageError(f"{where}: {width * height} pixels, more than {max_pixels}")
            rgb = np.array(image.convert("RGB"), dtype=np.uint8)  # writable, for torch
    except ItemImageError:
        raise
    except Exception as error:  # Pillow raises many types for corrupt or truncated files
        raise ItemImageError(
            f"{where}: not a readable image ({type(error).__name__}: {error})"
        ) from error
    return np.ascontiguousarray(rgb)


def load_item_rgb(item: Item) -> np.ndarray:
    """Decoded pixels of the item, checked against the item's recorded size."""
    rgb = decode_rgb(read_item_bytes(item), item_id=item.pk)
    if rgb.shape[:2] != (item.height, item.width):
        raise ItemImageError(
            f"item {item.pk}: image is {rgb.shape[1]}x{rgb.shape[0]} but the item records "
            f"{item.width}x{item.height}"
        )
    return rgb
