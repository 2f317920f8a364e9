"""Flagging agreement below the 0.70 floor and the project target."""

import numpy as np
import pandas as pd
import pytest

from labelqc.agreement import AgreementResult, flag_agreement


def test_statuses_against_default_floor_and_target() -> None:
    undefined = AgreementResult("label_alpha", None, "one annotator", 0, 1)
    defined = AgreementResult("label_alpha", 0.65, None, 10, 3)
    flags = flag_agreement(
        {
            "car": 0.91,
            "person": 0.8,
            "bike": 0.75,
            "truck": 0.69999,
            "bus": undefined,
            "tram": defined,
            "van": float("nan"),
        }
    )
    assert list(flags.index) == ["car", "person", "bike", "truck", "bus", "tram", "van"]
    assert list(flags["status"]) == [
        "ok",
        "ok",
        "below_target",
        "below_floor",
        "undefined",
        "below_floor",
        "undefined",
    ]
    assert flags.loc["bus", "value"] is None and flags.loc["van", "value"] is None
    assert flags.loc["tram", "value"] == 0.65
    assert not flags.loc["bus", "below_floor"] and not flags.loc["bus", "below_target"]
    assert flags.loc["truck", "below_floor"] and flags.loc["truck", "below_target"]


def test_custom_target_and_series_input() -> None:
    values = pd.Series([0.85, 0.9], index=pd.Index(["day", "night"], name="scene_tag"))
    flags = flag_agreement(values, target=0.88)
    assert flags.index.name == "scene_tag"
    assert list(flags["status"]) == ["below_target", "ok"]
    assert flags["below_floor"].dtype == np.bool_


def test_invalid_thresholds_and_values() -> None:
    with pytest.raises(ValueError, match="floor"):
        flag_agreement({"a": 0.5}, target=0.6, floor=0.7)
    with pytest.raises(ValueError, match="'a'"):
        flag_agreement({"a": "high"})
