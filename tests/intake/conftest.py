"""Real photographs bundled with scikit-image, and the copies the screening tests derive."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

# Distinct photographs shipped inside scikit-image (no download).  "cat" is "chelsea" under
# another name, so only one of them is used.
PHOTO_NAMES = (
    "astronaut",
    "camera",
    "coffee",
    "chelsea",
    "rocket",
    "coins",
    "brick",
    "grass",
    "gravel",
    "immunohistochemistry",
    "page",
    "text",
)


def encode(image: np.ndarray, extension: str = ".png", jpeg_quality: int | None = None) -> bytes:
    """Encode an RGB or gray array with OpenCV (which expects BGR)."""
    bgr = image if image.ndim == 2 else np.ascontiguousarray(image[:, :, ::-1])
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if jpeg_quality is not None else []
    ok, buffer = cv2.imencode(extension, bgr, params)
    assert ok
    return buffer.tobytes()


def blurred(image: np.ndarray, sigma: float = 3.0) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma)


def jpeg_copy(image: np.ndarray, quality: int = 70) -> bytes:
    return encode(image, ".jpg", quality)


def resized(image: np.ndarray, factor: float = 0.9) -> np.ndarray:
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def photos() -> dict[str, np.ndarray]:
    return {name: np.ascontiguousarray(getattr(data, name)()) for name in PHOTO_NAMES}


class Copies:
    """The derivations the tests apply to a photograph, as one fixture."""

    encode = staticmethod(encode)
    blurred = staticmethod(blurred)
    jpeg = staticmethod(jpeg_copy)
    resized = staticmethod(resized)


@pytest.fixture(scope="session")
def copies() -> type[Copies]:
    return Copies
