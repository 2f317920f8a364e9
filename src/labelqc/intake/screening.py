"""Batch screening of a delivery: per-image quality, exact and near duplicates, keep/drop.

:func:`screen_batch` screens every image (:func:`labelqc.intake.quality.screen_image`), then
groups byte-identical files (same SHA-256) and near-duplicates (pHash within
``max_hamming_distance`` bits, connected components) and suggests which member of each group
to keep: the one with the fewest quality flags (a blurred or darkened copy never displaces a
clean one), then the most pixels, then the earliest in the input.  Exact duplicates are
near-duplicates at distance 0, so one grouping decides both.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from labelqc.intake.errors import IntakeInputError
from labelqc.intake.near_duplicates import SearchMethod, choose_keepers, group_near_duplicates
from labelqc.intake.quality import (
    DEFAULT_THRESHOLDS,
    ImageScreening,
    ScreeningThresholds,
    screen_image,
)

ProgressCallback = Callable[[int, int | None], None]

SCREENING_COLUMNS: tuple[str, ...] = (
    "image_id",
    "readable",
    "error",
    "sha256",
    "width",
    "height",
    "phash",
    "dhash",
    "aspect_ratio",
    "laplacian_var",
    "mean_luminance",
    "dark_share",
    "bright_share",
    "exact_group",
    "near_group",
    "hamming_to_keeper",
    "duplicate_of",
    "keep",
    "flags",
)
_NULLABLE_DTYPES: dict[str, str] = {
    "width": "Int64",
    "height": "Int64",
    "phash": "UInt64",
    "dhash": "UInt64",
    "aspect_ratio": "Float64",
    "laplacian_var": "Float64",
    "mean_luminance": "Float64",
    "dark_share": "Float64",
    "bright_share": "Float64",
}


def _group_numbers(labels: np.ndarray, valid: np.ndarray) -> pd.array:
    """Number the groups with two or more valid members 0, 1, ... by first member; others NA."""
    result = np.full(labels.size, -1, dtype=np.int64)
    if valid.any():
        codes = labels[valid]
        sizes = np.bincount(codes)
        shared = sizes[codes] >= 2
        positions = np.flatnonzero(valid)[shared]
        if positions.size:
            _, first_seen, inverse = np.unique(
                codes[shared], return_index=True, return_inverse=True
            )
            rank = np.empty(first_seen.size, dtype=np.int64)
            rank[np.argsort(first_seen, kind="stable")] = np.arange(first_seen.size)
            result[positions] = rank[inverse]
    return pd.array(np.where(result >= 0, result, None), dtype="Int64")


def _records(
    images: Iterable[tuple[Hashable, Any]],
    thresholds: ScreeningThresholds,
    progress: ProgressCallback | None,
    total: int | None,
) -> list[ImageScreening]:
    seen: set[Hashable] = set()
    results: list[ImageScreening] = []
    for position, entry in enumerate(images):
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise IntakeInputError(f"images[{position}]: expected an (image_id, image) pair")
        image_id, image = entry
        try:
            repeated = image_id in seen
        except TypeError:
            raise IntakeInputError(f"images[{position}]: image_id must be hashable") from None
        if repeated:
            raise IntakeInputError(f"images[{position}]: image_id {image_id!r} appears twice")
        seen.add(image_id)
        results.append(screen_image(image, thresholds, image_id=image_id))
        if progress is not None:
            progress(position + 1, total)
    return results


def screen_batch(
    images: Iterable[tuple[Hashable, bytes | np.ndarray]],
    thresholds: ScreeningThresholds = DEFAULT_THRESHOLDS,
    *,
    progress: ProgressCallback | None = None,
    total: int | None = None,
    method: SearchMethod = "auto",
) -> pd.DataFrame:
    """Screen a batch of ``(image_id, image)`` pairs; images are encoded bytes or arrays.

    A bad image never raises: it is reported with ``readable=False`` and its ``error``.
    ``progress(done, total)`` is called after each image; ``total`` is ``len(images)`` when the
    iterable has a length, else the ``total`` argument (possibly None).  Ids must be unique.

    Returns one row per image, in input order, with the columns of ``SCREENING_COLUMNS``:
    the measures of :class:`~labelqc.intake.quality.ImageScreening` (nullable dtypes, NA when
    unreadable), ``exact_group`` / ``near_group`` (group number shared by the members of a group
    of two or more byte-identical / near-duplicate images, else NA), ``hamming_to_keeper``
    (pHash distance to the kept member of its near-duplicate group), ``duplicate_of`` (the id
    kept in its place, for dropped duplicates), ``keep`` (False for unreadable images and
    dropped duplicates; quality flags alone never drop an image) and ``flags`` (quality flags,
    plus ``exact_duplicate`` or ``near_duplicate`` on dropped duplicates).
    """
    if not isinstance(thresholds, ScreeningThresholds):
        raise IntakeInputError("thresholds: expected a ScreeningThresholds")
    if total is None and hasattr(images, "__len__"):
        total = len(images)  # type: ignore[arg-type]
    records = _records(images, thresholds, progress, total)
    count = len(records)
    readable = np.array([record.readable for record in records], dtype=bool)
    digests = [record.sha256 for record in records]
    digest_codes = pd.factorize(pd.Series(digests, dtype=object))[0].astype(np.int64)
    exact_group = _group_numbers(digest_codes, np.array([bool(d) for d in digests], dtype=bool))

    readable_rows = np.flatnonzero(readable)
    hashes = np.array([records[row].phash for row in readable_rows], dtype=np.uint64)
    pixels = np.array(
        [records[row].width * records[row].height for row in readable_rows],  # type: ignore[operator]
        dtype=np.float64,
    )
    labels = np.full(count, -1, dtype=np.int64)
    keeper = np.arange(count)
    distance_to_keeper = np.full(count, -1, dtype=np.int64)
    if readable_rows.size:
        local_labels = group_near_duplicates(hashes, thresholds.max_hamming_distance, method=method)
        penalties = np.array([len(records[row].flags) for row in readable_rows])
        local_keeper = choose_keepers(local_labels, pixels, penalties)
        labels[readable_rows] = local_labels
        keeper[readable_rows] = readable_rows[local_keeper]
        distance_to_keeper[readable_rows] = np.bitwise_count(hashes ^ hashes[local_keeper])
    near_group = _group_numbers(labels, readable)
    in_near_group = ~pd.isna(near_group)
    dropped = readable & (keeper != np.arange(count))
    ids = [record.image_id for record in records]
    flags = []
    for row, record in enumerate(records):
        extra: tuple[str, ...] = ()
        if dropped[row]:
            same_bytes = digest_codes[row] == digest_codes[keeper[row]]
            extra = ("exact_duplicate",) if same_bytes else ("near_duplicate",)
        flags.append(record.flags + extra)

    frame = pd.DataFrame(
        {
            "image_id": pd.Series(ids, dtype=object),
            "readable": readable,
            "error": pd.Series([record.error for record in records], dtype=object),
            "sha256": pd.Series(digests, dtype=object),
        }
    )
    for column, dtype in _NULLABLE_DTYPES.items():
        frame[column] = pd.array([getattr(record, column) for record in records], dtype=dtype)
    frame["exact_group"] = exact_group
    frame["near_group"] = near_group
    frame["hamming_to_keeper"] = pd.array(
        np.where(in_near_group, distance_to_keeper, None), dtype="Int64"
    )
    frame["duplicate_of"] = pd.Series(
        [ids[keeper[row]] if dropped[row] else None for row in range(count)], dtype=object
    )
    frame["keep"] = readable & ~dropped
    frame["flags"] = pd.Series(flags, dtype=object)
    return frame.loc[:, list(SCREENING_COLUMNS)]
