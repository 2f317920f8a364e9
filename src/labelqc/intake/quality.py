"""Per-image intake screening: readability, size, aspect ratio, blur and exposure.

Measures (all on the decoded image; gray is BT.601 luma in 0..255):

- ``width``, ``height``; ``aspect_ratio = max(w, h) / min(w, h)`` (>= 1).
- ``laplacian_var``: variance of the 3x3 Laplacian (OpenCV ``CV_64F``) of the gray image,
  after shrinking it (``INTER_AREA``) so its longer side is at most
  ``blur_reference_side`` pixels; shrinking first makes the figure comparable across
  resolutions (sharpness per pixel grows as an image is downscaled) and bounds the cost.
  Low values mean few edges: blur, or a genuinely smooth scene (sky, a plain wall); the flag
  is a prompt for review, not proof of blur.
- ``mean_luminance``; ``dark_share`` = share of pixels ``<= dark_level``; ``bright_share`` =
  share of pixels ``>= bright_level``.

Flags: ``unreadable`` (decode failed; nothing else measured), ``tiny`` (``min(w, h) <
min_side``), ``extreme_aspect_ratio`` (``aspect_ratio > max_aspect_ratio``), ``blurry``
(``laplacian_var < blur_min_laplacian_var``), ``underexposed`` (``mean_luminance <
min_mean_luminance`` or ``dark_share > max_dark_share``), ``overexposed`` (``mean_luminance >
max_mean_luminance`` or ``bright_share > max_bright_share``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, fields

import cv2
import numpy as np

from labelqc.intake.errors import IntakeInputError
from labelqc.intake.hashing import (
    ImageDecodeError,
    as_rgb_or_gray_uint8,
    content_sha256,
    decode_image,
    dhash,
    phash,
    to_gray,
)

QUALITY_FLAGS: tuple[str, ...] = (
    "unreadable",
    "tiny",
    "extreme_aspect_ratio",
    "blurry",
    "underexposed",
    "overexposed",
)


@dataclass(frozen=True)
class ScreeningThresholds:
    """Screening thresholds; the defaults are documented in docs/acceptance-sampling.md.

    ``min_side``: smallest acceptable image side in pixels (64).
    ``max_aspect_ratio``: longest / shortest side above which the image is flagged (4.0).
    ``blur_min_laplacian_var``: Laplacian variance below which the image is flagged blurry
    (100.0, the usual rule of thumb for 8-bit images), measured at ``blur_reference_side``
    (512) pixels on the longer side at most.
    ``dark_level`` / ``bright_level``: gray levels counted as near black (<= 16) / near white
    (>= 239); ``max_dark_share`` / ``max_bright_share``: shares of such pixels above which the
    image is under- / over-exposed (0.5 each).
    ``min_mean_luminance`` / ``max_mean_luminance``: mean gray level bounds (30 / 225).
    ``max_hamming_distance``: pHash bits two images may differ in and still be near-duplicates
    (8 of 64).
    """

    min_side: int = 64
    max_aspect_ratio: float = 4.0
    blur_min_laplacian_var: float = 100.0
    blur_reference_side: int = 512
    dark_level: int = 16
    bright_level: int = 239
    max_dark_share: float = 0.5
    max_bright_share: float = 0.5
    min_mean_luminance: float = 30.0
    max_mean_luminance: float = 225.0
    max_hamming_distance: int = 8

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise IntakeInputError(f"{field.name}: expected a number, got {value!r}")
            if not math.isfinite(value):
                raise IntakeInputError(f"{field.name}: must be finite, got {value!r}")
        if self.min_side < 1 or self.blur_reference_side < 8:
            raise IntakeInputError("min_side / blur_reference_side: must be >= 1 / >= 8")
        if self.max_aspect_ratio < 1.0:
            raise IntakeInputError(f"max_aspect_ratio: must be >= 1, got {self.max_aspect_ratio}")
        if self.blur_min_laplacian_var < 0:
            raise IntakeInputError("blur_min_laplacian_var: must be >= 0")
        if not (0 <= self.dark_level < self.bright_level <= 255):
            raise IntakeInputError("dark_level / bright_level: need 0 <= dark < bright <= 255")
        for name in ("max_dark_share", "max_bright_share"):
            if not (0.0 <= getattr(self, name) <= 1.0):
                raise IntakeInputError(f"{name}: must lie in [0, 1]")
        if not (0.0 <= self.min_mean_luminance < self.max_mean_luminance <= 255.0):
            raise IntakeInputError(
                "min_mean_luminance / max_mean_luminance: need 0 <= min < max <= 255"
            )
        if not isinstance(self.max_hamming_distance, int) or not (
            0 <= self.max_hamming_distance < 64
        ):
            raise IntakeInputError("max_hamming_distance: must be an int in [0, 63]")


DEFAULT_THRESHOLDS = ScreeningThresholds()


@dataclass(frozen=True)
class ImageScreening:
    """Screening of one image: measured values (None when unreadable) and the raised flags."""

    image_id: Hashable | None
    readable: bool
    error: str | None
    sha256: str
    width: int | None
    height: int | None
    phash: int | None
    dhash: int | None
    aspect_ratio: float | None
    laplacian_var: float | None
    mean_luminance: float | None
    dark_share: float | None
    bright_share: float | None
    flags: tuple[str, ...]


def laplacian_variance(gray: np.ndarray, reference_side: int) -> float:
    """Variance of the Laplacian of a gray image shrunk to ``reference_side`` at most."""
    height, width = gray.shape
    scale = reference_side / max(height, width)
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def _flags(
    width: int,
    height: int,
    laplacian: float,
    mean: float,
    dark: float,
    bright: float,
    limits: ScreeningThresholds,
) -> tuple[str, ...]:
    raised = []
    if min(width, height) < limits.min_side:
        raised.append("tiny")
    if max(width, height) / min(width, height) > limits.max_aspect_ratio:
        raised.append("extreme_aspect_ratio")
    if laplacian < limits.blur_min_laplacian_var:
        raised.append("blurry")
    if mean < limits.min_mean_luminance or dark > limits.max_dark_share:
        raised.append("underexposed")
    if mean > limits.max_mean_luminance or bright > limits.max_bright_share:
        raised.append("overexposed")
    return tuple(raised)


def _unreadable(image_id: Hashable | None, sha256: str, error: str) -> ImageScreening:
    return ImageScreening(
        image_id=image_id,
        readable=False,
        error=error,
        sha256=sha256,
        width=None,
        height=None,
        phash=None,
        dhash=None,
        aspect_ratio=None,
        laplacian_var=None,
        mean_luminance=None,
        dark_share=None,
        bright_share=None,
        flags=("unreadable",),
    )


def screen_image(
    image: bytes | np.ndarray,
    thresholds: ScreeningThresholds = DEFAULT_THRESHOLDS,
    image_id: Hashable | None = None,
) -> ImageScreening:
    """Screen one image given as encoded bytes or as an array (gray, RGB or RGBA).

    Never raises for a bad image: undecodable bytes or an unusable array give
    ``readable=False``, the reason in ``error`` and the single flag ``unreadable``.
    """
    if not isinstance(thresholds, ScreeningThresholds):
        raise IntakeInputError("thresholds: expected a ScreeningThresholds")
    sha256 = ""
    try:
        sha256 = content_sha256(image)
        if isinstance(image, bytes | bytearray | memoryview):
            pixels = decode_image(image)
        else:
            pixels = as_rgb_or_gray_uint8(image)
    except (ImageDecodeError, TypeError, ValueError) as error:
        return _unreadable(image_id, sha256, str(error))
    gray = to_gray(pixels)
    height, width = gray.shape
    laplacian = laplacian_variance(gray, thresholds.blur_reference_side)
    histogram = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = histogram.sum()
    mean = float(histogram @ np.arange(256) / total)
    dark = float(histogram[: thresholds.dark_level + 1].sum() / total)
    bright = float(histogram[thresholds.bright_level :].sum() / total)
    return ImageScreening(
        image_id=image_id,
        readable=True,
        error=None,
        sha256=sha256,
        width=int(width),
        height=int(height),
        phash=phash(gray),
        dhash=dhash(gray),
        aspect_ratio=max(width, height) / min(width, height),
        laplacian_var=laplacian,
        mean_luminance=mean,
        dark_share=dark,
        bright_share=bright,
        flags=_flags(width, height, laplacian, mean, dark, bright, thresholds),
    )
