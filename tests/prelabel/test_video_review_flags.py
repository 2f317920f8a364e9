"""Review flags over one object's track: area jumps, presence boundaries, low predicted IoU."""

from __future__ import annotations

import numpy as np
import pytest

from labelqc.prelabel import ReviewSettings
from labelqc.prelabel.video_review import review_flags


def test_flags_follow_their_definitions() -> None:
    frames = np.arange(8)
    present = np.array([True, True, True, False, False, True, True, True])
    areas = np.array([100, 140, 300, 0, 0, 50, 50, 0], dtype=float)
    iou = np.array([0.9, 0.9, 0.4, np.nan, 0.2, 0.9, 0.9, 0.9])
    flags = review_flags(frames, present, areas, iou, ReviewSettings(area_jump_share=0.5))
    assert flags[0] == ("presence_start",)
    assert flags[1] == ()  # +40% is under the 50% share
    assert flags[2] == ("area_jump", "presence_end", "low_iou")  # +114%, leaves next frame
    assert flags[3] == ()  # occluded, no predicted IoU
    assert flags[4] == ("low_iou",)  # occluded frames still report a low IoU
    assert flags[5] == ("presence_start",)  # re-appears: no jump against an occluded frame
    assert flags[6] == ()
    # present with an empty mask after a non-empty one: a 100% drop, and the track ends here
    assert flags[7] == ("area_jump", "presence_end")


def test_gaps_in_tracking_break_runs() -> None:
    flags = review_flags(
        np.array([0, 1, 5, 6]),
        np.ones(4, dtype=bool),
        np.array([10.0, 10.0, 40.0, 40.0]),
        np.full(4, 0.9),
        ReviewSettings(),
    )
    assert flags == [("presence_start",), ("presence_end",), ("presence_start",), ("presence_end",)]


def test_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="area_jump_share"):
        ReviewSettings(area_jump_share=0)
    with pytest.raises(ValueError, match="low_iou_threshold"):
        ReviewSettings(low_iou_threshold=1.5)
    assert (
        review_flags(np.array([]), np.array([]), np.array([]), np.array([]), ReviewSettings()) == []
    )
