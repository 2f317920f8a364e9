"""Label Studio's brush RLE (``"format": "rle"`` in ``brushlabels`` results).

Label Studio stores a brush mask as the RGBA bytes of the whole image (row-major, 4 bytes per
pixel; the mask is the alpha channel) packed with thi.ng's ``rle-pack`` bit stream:

* header: 32 bits value count, 5 bits ``word_size - 1``, then four 4-bit ``size - 1`` fields
  giving the bit widths of the four run-length classes;
* then records until ``count`` values are produced: 1 bit ``repeat`` flag, 2 bits class index,
  ``sizes[index]`` bits ``run_length - 1``; a repeat record is followed by one word repeated
  ``run_length`` times, a literal record by ``run_length`` words.

The encoder writes what label-studio-converter's ``brush.encode_rle`` writes (word size 8,
classes 3/4/8/16 bits, runs of length 1 as literals, runs longer than 65536 split), so its
output matches the reference byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from labelqc.formats.masks import check_mask_pixels

_WORD_SIZE = 8
_CLASS_BITS = (3, 4, 8, 16)
_MAX_RUN = 1 << 16


class _BitReader:
    """Reads big-endian bit fields at increasing offsets from a byte string."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._limit = len(data) * 8
        self.position = 0

    def read(self, width: int) -> int:
        end_bit = self.position + width
        if end_bit > self._limit:
            raise ValueError(f"bit stream ends at bit {self._limit}, needed {end_bit}")
        first = self.position >> 3
        last = (end_bit + 7) >> 3
        chunk = int.from_bytes(self._data[first:last], "big")
        value = (chunk >> (last * 8 - end_bit)) & ((1 << width) - 1)
        self.position = end_bit
        return value


def decode_ls_rle(rle: Sequence[int], expected_count: int | None = None) -> np.ndarray:
    """Decode Label Studio brush RLE bytes to the flat array of values it packs.

    ``rle`` is the list of byte values (0..255) from ``value["rle"]``. Returns a 1-D array of
    the header's value count (uint8 for word sizes up to 8 bits). Raises ValueError on a
    truncated or malformed stream, or before decoding when the header's count differs from
    ``expected_count`` (so a hostile header cannot make it allocate without bound).
    """
    values_in = np.asarray(rle, dtype=np.int64)
    if values_in.size and (values_in.min() < 0 or values_in.max() > 255):
        raise ValueError("rle must be a list of byte values 0..255")
    reader = _BitReader(values_in.astype(np.uint8).tobytes())
    count = reader.read(32)
    if expected_count is not None and count != expected_count:
        raise ValueError(f"rle holds {count} values, expected {expected_count}")
    word_size = reader.read(5) + 1
    class_bits = [reader.read(4) + 1 for _ in range(4)]
    words: list[int] = []
    lengths: list[int] = []
    produced = 0
    while produced < count:
        repeat = reader.read(1)
        run = 1 + reader.read(class_bits[reader.read(2)])
        run = min(run, count - produced)
        if repeat:
            words.append(reader.read(word_size))
            lengths.append(run)
        else:
            words.extend(reader.read(word_size) for _ in range(run))
            lengths.extend([1] * run)
        produced += run
    dtype = np.uint8 if word_size <= 8 else np.uint16 if word_size <= 16 else np.uint32
    return np.repeat(np.asarray(words, dtype=dtype), np.asarray(lengths, dtype=np.int64))


def ls_rle_to_mask(rle: Sequence[int], width: int, height: int) -> np.ndarray:
    """A brush RLE as a (height, width) bool mask: pixels whose alpha byte is non-zero.

    Raises ValueError when the stream does not hold exactly ``width * height * 4`` values.
    """
    check_mask_pixels(width, height)
    flat = decode_ls_rle(rle, expected_count=width * height * 4)
    return flat.reshape(height, width, 4)[:, :, 3] > 0


def mask_to_ls_rle(mask: np.ndarray) -> list[int]:
    """Encode a (height, width) binary mask as Label Studio brush RLE byte values.

    Foreground pixels become RGBA (255, 255, 255, 255), background (0, 0, 0, 0), as
    label-studio-converter's ``mask2rle`` does.
    """
    pixels = np.where(np.asarray(mask, dtype=bool).ravel(), 255, 0).astype(np.uint8)
    return encode_ls_values(np.repeat(pixels, 4))


def encode_ls_values(values: np.ndarray) -> list[int]:
    """Pack a flat uint8 array with rle-pack (word size 8, run classes 3/4/8/16 bits)."""
    flat = np.asarray(values, dtype=np.uint8).ravel()
    header = f"{flat.size:032b}{_WORD_SIZE - 1:05b}" + "".join(f"{b - 1:04b}" for b in _CLASS_BITS)
    header_bits = np.frombuffer(header.encode("ascii"), dtype=np.uint8) - ord("0")
    body_bits = _record_bits(flat)
    bits = np.concatenate((header_bits, body_bits))
    # The reference always appends 1..8 zero bits (a whole zero byte when already aligned);
    # doing the same keeps the output identical to label-studio-converter's.
    bits = np.concatenate((bits, np.zeros(8 - bits.size % 8, dtype=np.uint8)))
    return [int(v) for v in np.packbits(bits)]


def _record_bits(flat: np.ndarray) -> np.ndarray:
    """The record bit stream for a flat array, vectorised over runs."""
    if flat.size == 0:
        return np.zeros(0, dtype=np.uint8)
    changes = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.concatenate(([0], changes))
    lengths = np.diff(np.concatenate((starts, [flat.size])))
    run_values = flat[starts].astype(np.int64)

    # Runs longer than 256 use the 16-bit class; beyond 65536 they are split into full
    # 65536-chunks followed by the remainder, all in the 16-bit class.
    long_runs = lengths > 256
    pieces = np.where(long_runs, (lengths - 1) // _MAX_RUN + 1, 1)
    record_run = np.repeat(run_values, pieces)
    record_len = np.repeat(lengths, pieces)
    first_piece = np.repeat(np.cumsum(pieces) - pieces, pieces)
    piece_index = np.arange(record_len.size) - first_piece
    is_last_piece = piece_index == np.repeat(pieces, pieces) - 1
    record_len = np.where(is_last_piece, record_len - piece_index * _MAX_RUN, _MAX_RUN).astype(
        np.int64
    )

    class_index = np.select(
        [record_len == 1, record_len <= 8, record_len <= 16, record_len <= 256],
        [0, 0, 1, 2],
        default=3,
    )
    repeat_flag = (record_len > 1).astype(np.int64)
    length_field = np.where(record_len == 1, 0, record_len - 1)
    class_width = np.asarray(_CLASS_BITS, dtype=np.int64)[class_index]

    fields = np.stack([repeat_flag, class_index, length_field, record_run], axis=1).ravel()
    widths = np.stack(
        [
            np.ones_like(class_width),
            np.full_like(class_width, 2),
            class_width,
            np.full_like(class_width, _WORD_SIZE),
        ],
        axis=1,
    ).ravel()
    max_width = int(widths.max())
    offsets = np.arange(max_width)
    shifts = widths[:, None] - 1 - offsets[None, :]
    bits = (fields[:, None] >> np.maximum(shifts, 0)) & 1
    return bits[shifts >= 0].astype(np.uint8)
