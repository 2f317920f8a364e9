"""A drift window must have a positive length of at least one hour: zero, negative and
sub-hour windows are refused by name, by check_window and by window_floor itself."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from labelqc.drift import SeriesInputError, check_window, window_floor, window_stats
from labelqc.drift.series import MIN_WINDOW

STAMPS = pd.Series(pd.to_datetime(["2024-01-01 05:03", "2024-01-02 23:59"], utc=True))


@pytest.mark.parametrize(
    ("window", "length"),
    [
        ("0D", "0 days 00:00:00"),
        ("-1D", "-1 days +00:00:00"),
        ("-7D", "-7 days +00:00:00"),
        ("1s", "0 days 00:00:01"),
        ("1ns", "0 days 00:00:00.000000001"),
        ("59min", "0 days 00:59:00"),
    ],
)
def test_zero_negative_and_sub_hour_windows_are_refused(window, length):
    message = (
        f"window: {window!r} is too short ({length}); a window must be at least 1 hour long, "
        "such as '1h', '6h' or '1D'"
    )
    with pytest.raises(SeriesInputError) as caught:
        check_window(window)
    assert str(caught.value) == message
    with pytest.raises(SeriesInputError, match=f"^{re.escape(message)}$"):
        window_floor(STAMPS, window)
    frame = pd.DataFrame({"entity": [1, 1], "created_at": STAMPS, "metric": [1.0, 0.0]})
    with pytest.raises(SeriesInputError, match=f"^{re.escape(message)}$"):
        window_stats(frame, "entity", "metric", window=window)


@pytest.mark.parametrize("window", ["1h", "90min", "6h", "1D", "7D"])
def test_windows_of_an_hour_or_more_are_accepted(window):
    check_window(window)
    assert pd.Timedelta(window) >= MIN_WINDOW == pd.Timedelta(hours=1)


def test_windows_floor_to_their_start_not_into_the_future():
    assert window_floor(STAMPS, "1h").tolist() == list(
        pd.to_datetime(["2024-01-01 05:00", "2024-01-02 23:00"], utc=True)
    )


@pytest.mark.parametrize(
    ("window", "reason"),
    [
        ("1ME", "<MonthEnd> is a non-fixed frequency"),
        ("1W", "<Week: weekday=6> is a non-fixed frequency"),
        ("999999999999D", "overflow"),
    ],
)
def test_calendar_and_out_of_range_windows_are_still_refused(window, reason):
    with pytest.raises(SeriesInputError) as caught:
        check_window(window)
    assert str(caught.value).startswith(f"window: {window!r} is not a fixed-length frequency")
    assert reason in str(caught.value)
