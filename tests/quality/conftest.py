"""A small hand-built golden set whose expected scores are worked out in the tests."""

from __future__ import annotations

import pandas as pd
import pytest

COLUMNS = ["item_id", "annotator_id", "class_id", "x", "y", "w", "h"]


def frame(rows: list[tuple], **extra: list) -> pd.DataFrame:
    result = pd.DataFrame(rows, columns=COLUMNS).astype({c: float for c in "xywh"})
    for name, values in extra.items():
        result[name] = values
    return result


@pytest.fixture
def gold() -> pd.DataFrame:
    """Item 1: A (class 0) and B (class 1); item 2: C (class 0); item 3 is gold but empty."""
    return frame(
        [
            (1, -1, 0, 0, 0, 10, 10),  # A
            (1, -1, 1, 50, 50, 10, 10),  # B
            (2, -1, 0, 0, 0, 10, 10),  # C
        ],
        occluded=[True, False, True],
    )


@pytest.fixture
def annotations() -> pd.DataFrame:
    """Annotator 7 (cohort 1) on items 1 and 3, annotator 8 (cohort 2) on item 2.

    7: A shifted by 1 px (IoU 90/110), B drawn with class 0, a stray class-1 box, and a class-0
    box on the empty gold item 3.  8: C drawn 1 px wider (IoU 100/110).
    """
    return frame(
        [
            (1, 7, 0, 1, 0, 10, 10),  # on A, IoU 90 / 110
            (1, 7, 0, 50, 50, 10, 10),  # on B but class 0
            (1, 7, 1, 200, 200, 10, 10),  # stray
            (3, 7, 0, 0, 0, 10, 10),  # on the empty gold item
            (2, 8, 0, 0, 0, 11, 10),  # on C, IoU 100 / 110
        ],
        cohort_id=[1, 1, 1, 1, 2],
        occluded=[True, None, False, False, False],
        created_at=pd.to_datetime(
            [
                "2024-03-01T08:00",
                "2024-03-01T08:00",
                "2024-03-01T08:00",
                "2024-03-02T09:00",
                "2024-03-02T10:00",
            ],
            utc=True,
        ),
    )


@pytest.fixture
def assignments() -> pd.DataFrame:
    """Annotator 9 (cohort 2) was given item 2 and drew nothing."""
    return pd.DataFrame({"item_id": [2], "annotator_id": [9], "cohort_id": [2]})


@pytest.fixture
def items() -> pd.DataFrame:
    return pd.DataFrame({"item_id": [1, 2, 3], "scene_tags": [("night", "rain"), ("night",), ()]})
