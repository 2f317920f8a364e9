"""pHash / dHash on real photographs: edited copies stay close, different photos stay apart."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from scipy.fft import dct

from labelqc.intake import (
    DEFAULT_THRESHOLDS,
    IntakeInputError,
    decode_image,
    dhash,
    hamming_distance,
    phash,
)

THRESHOLD = DEFAULT_THRESHOLDS.max_hamming_distance


def reference_phash(image: np.ndarray) -> int:
    """pHash written out independently: separable 1-D DCTs, bits assembled one by one."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float64)
    coefficients = dct(dct(small, axis=0, norm="ortho"), axis=1, norm="ortho")[:8, :8]
    median = np.median(coefficients)
    value = 0
    for bit in coefficients.ravel():
        value = (value << 1) | int(bit > median)
    return value


def test_phash_matches_an_independent_implementation(photos: dict[str, np.ndarray]) -> None:
    for image in photos.values():
        assert phash(image) == reference_phash(image)


@pytest.mark.parametrize("name", ["astronaut", "camera", "coffee", "rocket", "coins", "grass"])
def test_edited_copies_are_within_the_near_duplicate_threshold(
    name: str, photos: dict[str, np.ndarray], copies: type
) -> None:
    original = photos[name]
    variants = {
        "blurred": copies.blurred(original),
        "jpeg70": decode_image(copies.jpeg(original)),
        "resized": copies.resized(original),
    }
    reference = phash(original)
    for label, variant in variants.items():
        distance = int(hamming_distance(reference, phash(variant)))
        assert distance <= THRESHOLD, (name, label, distance)


def test_different_photographs_are_far_apart(photos: dict[str, np.ndarray]) -> None:
    hashes = {name: phash(image) for name, image in photos.items()}
    for first, second in itertools.combinations(hashes, 2):
        assert int(hamming_distance(hashes[first], hashes[second])) > 2 * THRESHOLD, (first, second)


def test_dhash_also_keeps_copies_close_and_photos_apart(
    photos: dict[str, np.ndarray], copies: type
) -> None:
    astronaut, coffee = photos["astronaut"], photos["coffee"]
    assert int(hamming_distance(dhash(astronaut), dhash(copies.resized(astronaut)))) <= 4
    assert int(hamming_distance(dhash(astronaut), dhash(coffee))) > 16


def test_hamming_distance_is_the_popcount_of_the_xor() -> None:
    rng = np.random.default_rng(0)
    first = rng.integers(0, 2**64 - 1, 500, dtype=np.uint64)
    second = rng.integers(0, 2**64 - 1, 500, dtype=np.uint64)
    expected = [bin(int(a) ^ int(b)).count("1") for a, b in zip(first, second, strict=True)]
    np.testing.assert_array_equal(hamming_distance(first, second), expected)
    assert int(hamming_distance(2**64 - 1, 0)) == 64
    assert hamming_distance(first[:, None], second[None, :3]).shape == (500, 3)


def test_hashes_are_64_bit_and_accept_gray_rgba_and_float_arrays(
    photos: dict[str, np.ndarray],
) -> None:
    astronaut = photos["astronaut"]
    rgba = np.dstack([astronaut, np.full(astronaut.shape[:2], 255, np.uint8)])
    assert phash(rgba) == phash(astronaut)
    assert phash(astronaut.astype(np.float64) / 255.0) == phash(astronaut)
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert phash(gray) == phash(astronaut)
    assert 0 <= phash(astronaut) < 2**64
    with pytest.raises(IntakeInputError):
        hamming_distance(-1, 0)
