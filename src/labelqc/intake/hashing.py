"""Image decoding, content hashes and perceptual hashes (pHash, dHash) as 64-bit integers.

- Content hash: SHA-256 of the encoded bytes (for arrays: of a dtype/shape header followed by
  the C-ordered pixel bytes), so equal hashes mean byte-identical files.
- pHash: grayscale, resized to 32x32 (OpenCV ``INTER_AREA``), 2-D DCT-II (orthonormal), the
  top-left 8x8 block of low frequencies, each coefficient compared with the median of those 64
  (DC included, as the widely used ``imagehash`` package does); 64 bits, row-major, first bit
  most significant.
- dHash: grayscale resized to 9 columns x 8 rows, one bit per horizontally adjacent pair
  (``right > left``); 64 bits in the same order.

Grayscale is ITU-R BT.601 luma (OpenCV ``RGB2GRAY``).  Arrays are taken as RGB(A) or gray.
"""

from __future__ import annotations

import hashlib
import io
import re

import cv2
import numpy as np
from numpy.typing import ArrayLike
from PIL import Image
from scipy.fft import dctn

from labelqc.intake.errors import IntakeInputError

PHASH_SIZE = 32
PHASH_LOW_FREQUENCIES = 8
HASH_BITS = 64
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class ImageDecodeError(IntakeInputError):
    """The bytes are not a decodable image, or the array is not an image."""


def content_sha256(image: bytes | np.ndarray) -> str:
    """Hex SHA-256 of encoded bytes, or of an array's dtype, shape and C-ordered pixels."""
    if isinstance(image, bytes | bytearray | memoryview):
        return hashlib.sha256(image).hexdigest()
    array = np.ascontiguousarray(image)
    digest = hashlib.sha256(f"{array.dtype.str}{array.shape}".encode())
    digest.update(array.tobytes())
    return digest.hexdigest()


def decode_image(data: bytes) -> np.ndarray:
    """Decode encoded bytes to an RGB ``uint8`` array (H, W, 3), EXIF orientation applied.

    OpenCV decodes first (fast, common formats); Pillow is the fallback for formats OpenCV
    lacks.  Raises :class:`ImageDecodeError` when neither can decode the bytes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageDecodeError(f"image: expected bytes, got {type(data).__name__}")
    buffer = np.frombuffer(data, dtype=np.uint8)
    if buffer.size == 0:
        raise ImageDecodeError("image: empty bytes")
    decoded = None
    try:
        decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    except cv2.error:
        decoded = None
    if decoded is not None and decoded.size:
        return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    try:
        with Image.open(io.BytesIO(bytes(data))) as opened:
            opened.load()
            return np.asarray(opened.convert("RGB"), dtype=np.uint8)
    # Pillow signals undecodable input with many exception types (OSError, SyntaxError,
    # ValueError, DecompressionBombError, ...); all of them mean "not a usable image".
    except Exception as error:
        # Object reprs in Pillow's messages carry memory addresses; drop them so the reported
        # reason is stable.
        reason = _ADDRESS.sub("", str(error))
        raise ImageDecodeError(f"image: cannot decode ({type(error).__name__}: {reason})") from None


def as_rgb_or_gray_uint8(image: ArrayLike) -> np.ndarray:
    """Validate an image array and return it as ``uint8`` gray (H, W) or RGB (H, W, 3).

    Accepts gray (H, W) / (H, W, 1), RGB and RGBA (alpha dropped); ``uint8``, ``uint16``
    (scaled by 1/257), ``bool`` and floats in [0, 1].
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] == 3)):
        raise ImageDecodeError(f"image: expected (H, W), (H, W, 3) or (H, W, 4), got {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageDecodeError(f"image: empty array of shape {array.shape}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(array)
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype == np.uint16:
        return np.rint(array / 257.0).astype(np.uint8)
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ImageDecodeError("image: float pixels must be finite")
        return np.rint(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    raise ImageDecodeError(f"image: unsupported pixel dtype {array.dtype}")


def to_gray(image: ArrayLike) -> np.ndarray:
    """Grayscale ``uint8`` (H, W) of an image array (BT.601 luma for RGB)."""
    pixels = as_rgb_or_gray_uint8(image)
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)


def _bits_to_int(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")


def phash(image: ArrayLike) -> int:
    """64-bit perceptual hash (DCT pHash, see the module docstring) of an image array."""
    gray = to_gray(image)
    small = cv2.resize(gray, (PHASH_SIZE, PHASH_SIZE), interpolation=cv2.INTER_AREA)
    coefficients = dctn(small.astype(np.float64), type=2, norm="ortho")
    low = coefficients[:PHASH_LOW_FREQUENCIES, :PHASH_LOW_FREQUENCIES]
    return _bits_to_int(low > np.median(low))


def dhash(image: ArrayLike) -> int:
    """64-bit difference hash (9x8 gradient signs, see the module docstring) of an image array."""
    gray = to_gray(image)
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    return _bits_to_int(small[:, 1:] > small[:, :-1])


def as_hash_array(hashes: ArrayLike) -> np.ndarray:
    """Return 64-bit hashes (ints in [0, 2**64) or an integer array) as ``uint64``, shape kept."""
    # Python ints above 2**63 would turn a list into float64 (losing bits): lists go through
    # object dtype and are checked one by one; integer arrays take the fast path.
    array = hashes if isinstance(hashes, np.ndarray) else np.asarray(hashes, dtype=object)
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.uint64)
    if array.dtype.kind == "u":
        return array.astype(np.uint64, copy=False)
    if array.dtype.kind == "i":
        if (array < 0).any():
            raise IntakeInputError("hashes: 64-bit hashes cannot be negative")
        return array.astype(np.uint64)
    if array.dtype != object:
        raise IntakeInputError(f"hashes: expected integer hashes, got dtype {array.dtype}")
    flat = array.ravel()
    for position, value in enumerate(flat):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise IntakeInputError(f"hashes[{position}]: expected an int, got {value!r}")
        if not (0 <= int(value) < 1 << HASH_BITS):
            raise IntakeInputError(f"hashes[{position}]: {value!r} is not a 64-bit hash")
    return np.array([int(value) for value in flat], dtype=np.uint64).reshape(array.shape)


def hamming_distance(first: ArrayLike, second: ArrayLike) -> np.ndarray:
    """Element-wise (broadcast) Hamming distance between 64-bit hashes: popcount of XOR."""
    return np.bitwise_count(as_hash_array(first) ^ as_hash_array(second)).astype(np.int64)
