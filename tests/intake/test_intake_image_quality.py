"""Per-image quality: measured values against OpenCV/numpy, and the blur/exposure/size flags."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from labelqc.intake import IntakeInputError, ScreeningThresholds, screen_image


def test_measures_match_direct_opencv_computations(
    photos: dict[str, np.ndarray], copies: type
) -> None:
    astronaut = photos["astronaut"]  # 512 x 512: measured at full size
    result = screen_image(copies.encode(astronaut), image_id="astronaut")
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    assert (result.readable, result.width, result.height) == (True, 512, 512)
    assert result.laplacian_var == pytest.approx(cv2.Laplacian(gray, cv2.CV_64F).var())
    assert result.mean_luminance == pytest.approx(gray.mean())
    assert result.dark_share == pytest.approx((gray <= 16).mean())
    assert result.bright_share == pytest.approx((gray >= 239).mean())
    assert result.flags == ()


def test_large_images_are_measured_for_blur_at_the_reference_side(
    photos: dict[str, np.ndarray],
) -> None:
    coffee = photos["coffee"]  # 600 x 400: shrunk to 512 x 341
    gray = cv2.resize(
        cv2.cvtColor(coffee, cv2.COLOR_RGB2GRAY), (512, 341), interpolation=cv2.INTER_AREA
    )
    expected = cv2.Laplacian(gray, cv2.CV_64F).var()
    assert screen_image(coffee).laplacian_var == pytest.approx(expected)


@pytest.mark.parametrize("name", ["astronaut", "camera", "coffee", "rocket", "coins", "gravel"])
def test_blurred_copy_is_flagged_and_the_original_is_not(
    name: str, photos: dict[str, np.ndarray], copies: type
) -> None:
    original = photos[name]
    assert "blurry" not in screen_image(original).flags
    assert "blurry" in screen_image(copies.blurred(original)).flags


@pytest.mark.parametrize("name", ["astronaut", "camera", "coffee", "chelsea"])
def test_darkened_and_brightened_copies_are_flagged(
    name: str, photos: dict[str, np.ndarray], copies: type
) -> None:
    original = photos[name]
    darkened = (original.astype(np.float64) * 0.15).astype(np.uint8)
    # An overexposed shot: gain and offset push most pixels into saturation.
    brightened = np.clip(original.astype(np.float64) * 2.0 + 100, 0, 255).astype(np.uint8)
    assert not {"underexposed", "overexposed"} & set(screen_image(original).flags)
    dark = screen_image(copies.encode(darkened))
    assert "underexposed" in dark.flags
    assert "overexposed" not in dark.flags
    assert "overexposed" in screen_image(brightened).flags


def test_tiny_and_extreme_aspect_images_are_flagged(photos: dict[str, np.ndarray]) -> None:
    astronaut = photos["astronaut"]
    tiny = cv2.resize(astronaut, (48, 48), interpolation=cv2.INTER_AREA)
    assert "tiny" in screen_image(tiny).flags
    strip = astronaut[200:300, :]  # 512 x 100
    result = screen_image(strip)
    assert result.aspect_ratio == pytest.approx(5.12)
    assert "extreme_aspect_ratio" in result.flags
    relaxed = ScreeningThresholds(max_aspect_ratio=6.0, min_side=32)
    assert "extreme_aspect_ratio" not in screen_image(strip, relaxed).flags


@pytest.mark.parametrize(
    "payload",
    [b"", b"definitely not an image", bytes(range(256)) * 4, b"\x89PNG\r\n\x1a\n\x00\x00"],
)
def test_undecodable_bytes_are_reported_not_raised(payload: bytes) -> None:
    result = screen_image(payload, image_id=7)
    assert (result.readable, result.flags, result.image_id) == (False, ("unreadable",), 7)
    assert result.error and "image" in result.error
    assert result.width is None and result.laplacian_var is None and result.phash is None
    assert len(result.sha256) == 64


def test_truncated_file_and_bad_arrays_are_reported_not_raised(
    photos: dict[str, np.ndarray], copies: type
) -> None:
    truncated = copies.encode(photos["coffee"])[:300]
    assert not screen_image(truncated).readable
    assert not screen_image(np.zeros((4, 4, 2), dtype=np.uint8)).readable
    assert not screen_image(np.zeros((0, 5), dtype=np.uint8)).readable
    assert not screen_image(np.array([[np.nan]])).readable
    assert not screen_image(None).readable  # type: ignore[arg-type]


def test_threshold_validation_names_the_field() -> None:
    with pytest.raises(IntakeInputError, match="max_dark_share"):
        ScreeningThresholds(max_dark_share=1.5)
    with pytest.raises(IntakeInputError, match="dark_level"):
        ScreeningThresholds(dark_level=250)
    with pytest.raises(IntakeInputError, match="max_hamming_distance"):
        ScreeningThresholds(max_hamming_distance=64)
    with pytest.raises(IntakeInputError, match="min_side"):
        ScreeningThresholds(min_side=True)  # type: ignore[arg-type]
    with pytest.raises(IntakeInputError, match="blur_min_laplacian_var"):
        ScreeningThresholds(blur_min_laplacian_var=float("nan"))
