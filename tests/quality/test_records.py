"""JSON-ready records: missing values become None, numpy scalars plain Python values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from labelqc.quality import nullable_float, safe_ratio, score_against_gold, to_records


def test_to_records_converts_missing_values_and_scalars() -> None:
    frame = pd.DataFrame(
        {
            "a": pd.array([1, None], dtype="Int64"),
            "b": [np.nan, 2.5],
            "c": nullable_float([np.inf, 1.0]),
            "d": pd.to_datetime(["2024-01-01", None], utc=True),
            "e": [(1, 2), ("x",)],
            "f": pd.array([True, None], dtype="boolean"),
        }
    )
    records = to_records(frame)
    assert records == [
        {"a": 1, "b": None, "c": None, "d": "2024-01-01T00:00:00+00:00", "e": [1, 2], "f": True},
        {"a": None, "b": 2.5, "c": 1.0, "d": None, "e": ["x"], "f": None},
    ]
    json.dumps(records)  # serializable as is


def test_safe_ratio() -> None:
    ratio = safe_ratio([1, 0, 3], [2, 0, 0])
    assert ratio[0] == 0.5 and ratio[1] is pd.NA and ratio[2] is pd.NA


def test_scores_serialize(gold, annotations, assignments) -> None:
    records = to_records(score_against_gold(gold, annotations, assignments=assignments))
    assert records[-1]["precision"] is None and records[-1]["fn"] == 1
    assert isinstance(records[0]["tp"], int)
    json.dumps(records)
