"""A small synthetic labeling project with known structure, for the report tests.

Every item holds "truth" objects in separate grid cells (no two objects overlap), so matching
recovers the structure exactly: each annotator's box of an object is a small jitter of it
(IoU about 0.9 with the truth and with each other). Annotators miss objects, swap classes and
draw extra boxes in cells reserved for them (never overlapping anything). Gold is the truth on
gold items; the other items only feed agreement and class mix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from labelqc.report import ReportFrames

START = pd.Timestamp("2024-05-01", tz="UTC")
ANNOTATORS = (10, 11, 12)
COHORT_OF = {10: 1, 11: 1, 12: 2}
N_CLASSES = 4
CELL = 100.0  # 6 x 4 cells on a 640 x 480 image
TRUTH_CELLS = 18  # cells 0..17 hold objects; 18..23 are reserved for extras


@dataclass(frozen=True)
class Project:
    frames: ReportFrames
    truth_units: pd.DataFrame  # one row per drawn object box: unit (truth object), annotator, class
    n_days: int


def build_project(
    n_items: int = 240,
    seed: int = 0,
    n_days: int = 20,
    miss: dict[int, float] | None = None,
    late_miss: dict[int, tuple[int, float]] | None = None,
    swap: float = 0.05,
    extra: float = 0.1,
    gold_share: float = 0.8,
) -> Project:
    """Build a project; ``late_miss[a] = (day, rate)`` raises annotator a's miss rate from day."""
    rng = np.random.default_rng(seed)
    miss = miss or {10: 0.03, 11: 0.08, 12: 0.15}
    late_miss = late_miss or {}
    per_item = rng.integers(1, 13, size=n_items)
    item_of = np.repeat(np.arange(n_items), per_item)
    cell = np.concatenate([rng.permutation(TRUTH_CELLS)[:k] for k in per_item])
    w = rng.uniform(30, 80, item_of.size)
    h = rng.uniform(30, 80, item_of.size)
    x = (cell % 6) * CELL + rng.uniform(2, CELL - w - 2)
    y = (cell // 6) * CELL + rng.uniform(2, CELL - h - 2)
    truth_class = rng.integers(0, N_CLASSES, item_of.size)
    item_day = np.sort(rng.integers(0, n_days, n_items))
    is_gold = rng.random(n_items) < gold_share
    is_gold[0] = True
    gold_rows = is_gold[item_of]
    gold = pd.DataFrame(
        {
            "item_id": item_of,
            "annotator_id": -1,
            "class_id": truth_class,
            "x": x,
            "y": y,
            "w": w,
            "h": h,
        }
    )[gold_rows].reset_index(drop=True)
    # Item 0 is a declared gold item whose gold holds no object (annotations there are FPs).
    gold = gold[gold["item_id"] != 0].reset_index(drop=True)
    parts, unit_parts = [], []
    for index, annotator in enumerate(ANNOTATORS):
        day = item_day[item_of]
        rate = np.full(item_of.size, miss[annotator])
        if annotator in late_miss:
            from_day, late_rate = late_miss[annotator]
            rate = np.where(day >= from_day, late_rate, rate)
        kept = rng.random(item_of.size) >= rate
        jitter = rng.normal(0, 0.02, (item_of.size, 4))
        drawn_class = np.where(
            rng.random(item_of.size) < swap,
            (truth_class + rng.integers(1, N_CLASSES, item_of.size)) % N_CLASSES,
            truth_class,
        )
        boxes = pd.DataFrame(
            {
                "item_id": item_of,
                "annotator_id": annotator,
                "class_id": drawn_class,
                "x": x + jitter[:, 0] * w,
                "y": y + jitter[:, 1] * h,
                "w": w * np.exp(jitter[:, 2]),
                "h": h * np.exp(jitter[:, 3]),
            }
        )[kept]
        unit_parts.append(
            pd.DataFrame(
                {
                    "unit": np.flatnonzero(kept),
                    "annotator_id": annotator,
                    "class_id": drawn_class[kept],
                }
            )
        )
        extra_items = np.flatnonzero(rng.random(n_items) < extra)
        extra_cell = TRUTH_CELLS + 2 * index + rng.integers(0, 2, extra_items.size)
        extras = pd.DataFrame(
            {
                "item_id": extra_items,
                "annotator_id": annotator,
                "class_id": rng.integers(0, N_CLASSES, extra_items.size),
                "x": (extra_cell % 6) * CELL + 10,
                "y": (extra_cell // 6) * CELL + 10,
                "w": 50.0,
                "h": 40.0,
            }
        )
        parts.extend([boxes, extras])
    annotations = pd.concat(parts, ignore_index=True)
    item_ids = annotations["item_id"].to_numpy()
    seconds = item_day[item_ids] * 86_400 + (item_ids * 997 % 80_000) + 60
    annotations["created_at"] = START + pd.to_timedelta(seconds, unit="s")
    annotations["cohort_id"] = annotations["annotator_id"].map(COHORT_OF)
    items = pd.DataFrame(
        {"item_id": np.arange(n_items), "width": 640, "height": 480, "is_gold": is_gold}
    )
    return Project(
        frames=ReportFrames(items=items, gold=gold, annotations=annotations),
        truth_units=pd.concat(unit_parts, ignore_index=True),
        n_days=n_days,
    )


@pytest.fixture(scope="session")
def project() -> Project:
    return build_project()


@pytest.fixture(scope="session")
def project_factory() -> Callable[..., Project]:
    return build_project


def _frame(rows: list[tuple]) -> pd.DataFrame:
    columns = ["item_id", "annotator_id", "class_id", "x", "y", "w", "h"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["created_at"] = START
    return frame


@pytest.fixture
def hand_frames() -> ReportFrames:
    """Two items: item 1 is gold (A class 0, B class 1, C class 2), item 2 is not."""
    gold = _frame(
        [(1, -1, 0, 0, 0, 10, 10), (1, -1, 1, 20, 20, 10, 10), (1, -1, 2, 50, 50, 10, 10)]
    )
    annotations = _frame(
        [
            (1, 7, 0, 0, 0, 10, 10),  # A, right class, IoU 1
            (1, 7, 2, 20, 20, 10, 10),  # B drawn as class 2: a swap
            (1, 7, 0, 80, 80, 5, 5),  # extra
            (1, 8, 0, 1, 0, 10, 10),  # A shifted by 1 px: IoU 90 / 110
            (1, 8, 1, 20, 20, 10, 10),
            (1, 8, 2, 50, 50, 10, 10),
            (2, 7, 3, 0, 0, 20, 20),  # item 2 is not gold: agreement only
            (2, 8, 3, 0, 0, 20, 22),
        ]
    )
    annotations["cohort_id"] = annotations["annotator_id"].map({7: 1, 8: 2})
    items = pd.DataFrame({"item_id": [1, 2]})
    return ReportFrames(items, gold, annotations)
