"""screen_batch on a delivery of real photographs, edited copies, duplicates and corrupt files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.intake import SCREENING_COLUMNS, IntakeInputError, screen_batch


@pytest.fixture(scope="module")
def delivery(photos: dict[str, np.ndarray], copies: type) -> list[tuple[str, object]]:
    astronaut, camera, coffee = photos["astronaut"], photos["camera"], photos["coffee"]
    return [
        ("astro_blur", copies.encode(copies.blurred(astronaut))),  # listed before the original
        ("astro_small", copies.encode(copies.resized(astronaut))),
        ("astro", copies.encode(astronaut)),
        ("astro_jpeg", copies.jpeg(astronaut)),
        ("astro_again", copies.encode(astronaut)),  # byte-identical to "astro"
        ("camera", camera),  # an array, not bytes
        ("camera_small", copies.encode(copies.resized(camera))),
        ("coffee", copies.jpeg(coffee, 95)),
        ("rocket", copies.encode(photos["rocket"])),
        ("coins", copies.encode(photos["coins"])),
        ("garbage", b"\x00\x01not an image at all"),
        ("empty", b""),
        ("truncated", copies.encode(photos["brick"])[:200]),
        ("garbage_again", b"\x00\x01not an image at all"),
    ]


@pytest.fixture(scope="module")
def screened(delivery: list[tuple[str, object]]) -> pd.DataFrame:
    return screen_batch(delivery).set_index("image_id", drop=False)


def test_one_row_per_image_in_input_order(
    screened: pd.DataFrame, delivery: list[tuple[str, object]]
) -> None:
    assert list(screened.columns) == list(SCREENING_COLUMNS)
    assert screened["image_id"].tolist() == [image_id for image_id, _ in delivery]


def test_edited_copies_group_with_their_original_and_the_original_is_kept(
    screened: pd.DataFrame,
) -> None:
    group = screened.loc["astro", "near_group"]
    members = screened.index[screened["near_group"] == group].tolist()
    assert sorted(members) == sorted(
        ["astro_blur", "astro_small", "astro", "astro_jpeg", "astro_again"]
    )
    assert screened.loc["astro", "keep"]
    for copy in ("astro_blur", "astro_small", "astro_jpeg", "astro_again"):
        assert not screened.loc[copy, "keep"]
        assert screened.loc[copy, "duplicate_of"] == "astro"
        assert screened.loc[copy, "hamming_to_keeper"] <= 8
    # The blurred copy came first, but a flagged copy never displaces a clean one.
    assert "blurry" in screened.loc["astro_blur", "flags"]
    assert "near_duplicate" in screened.loc["astro_blur", "flags"]
    assert screened.loc["astro_again", "flags"] == ("exact_duplicate",)


def test_larger_resolution_is_kept_for_a_resized_copy(screened: pd.DataFrame) -> None:
    assert screened.loc["camera", "near_group"] == screened.loc["camera_small", "near_group"]
    assert screened.loc["camera", "keep"] and not screened.loc["camera_small", "keep"]
    assert screened.loc["camera_small", "duplicate_of"] == "camera"


def test_different_photographs_are_not_grouped(screened: pd.DataFrame) -> None:
    for name in ("coffee", "rocket", "coins"):
        assert pd.isna(screened.loc[name, "near_group"])
        assert screened.loc[name, "keep"]
        assert screened.loc[name, "duplicate_of"] is None


def test_exact_duplicates_share_a_group_by_content_hash(screened: pd.DataFrame) -> None:
    assert screened.loc["astro", "exact_group"] == screened.loc["astro_again", "exact_group"]
    assert screened.loc["garbage", "exact_group"] == screened.loc["garbage_again", "exact_group"]
    assert screened.loc["astro", "exact_group"] != screened.loc["garbage", "exact_group"]
    assert pd.isna(screened.loc["astro_jpeg", "exact_group"])
    assert screened["exact_group"].dropna().nunique() == 2


def test_corrupt_files_are_reported_not_raised(screened: pd.DataFrame) -> None:
    for name in ("garbage", "empty", "truncated", "garbage_again"):
        row = screened.loc[name]
        assert not row["readable"] and not row["keep"]
        assert row["flags"] == ("unreadable",)
        assert isinstance(row["error"], str) and row["error"]
        assert pd.isna(row["width"]) and pd.isna(row["phash"]) and pd.isna(row["near_group"])


def test_missing_values_are_na_never_nan(screened: pd.DataFrame) -> None:
    for column in ("width", "phash", "laplacian_var", "mean_luminance", "near_group"):
        values = screened[column].array
        assert values.dtype.name in ("Int64", "UInt64", "Float64"), column
        assert not np.isnan(values.to_numpy(dtype=float, na_value=0.0)).any()
    assert screened["phash"].dtype.name == "UInt64"


def test_progress_is_reported_after_each_image(delivery: list[tuple[str, object]]) -> None:
    calls: list[tuple[int, int | None]] = []
    screen_batch(delivery[:4], progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    calls.clear()
    screen_batch(iter(delivery[:2]), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, None), (2, None)]
    calls.clear()
    screen_batch(iter(delivery[:2]), progress=lambda d, t: calls.append((d, t)), total=2)
    assert calls == [(1, 2), (2, 2)]


def test_batch_inputs_that_are_caller_errors_raise() -> None:
    with pytest.raises(IntakeInputError, match="appears twice"):
        screen_batch([("a", b"x"), ("a", b"y")])
    with pytest.raises(IntakeInputError, match=r"images\[0\]"):
        screen_batch([b"no id"])  # type: ignore[list-item]
    assert screen_batch([]).empty
