"""Scoring worked by hand: catch after onset, delay in items, signal ties, alarms on at onset,
late catches, misses, class-level catches and false alarms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labelqc.catch import CatchRules, CatchRun, score_run
from labelqc.catch.detector import CLASS_EPISODE_COLUMNS, EPISODE_COLUMNS

AT = pd.Timestamp("2024-03-05 10:00", tz="UTC")


def _episodes(rows: list[tuple[int, str, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["annotator_id", "signal", "start_seq", "end_seq"])
    frame["start_at"] = AT + pd.to_timedelta(frame["start_seq"], unit="min")
    return frame.assign(value=1.0, bound=0.5, detail="")[list(EPISODE_COLUMNS)]


def _faults(rows: list[tuple[str, int | None, int | None, int | None, bool]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["fault", "annotator_id", "class_id", "onset_index", "manifested"]
    )
    for column in ("annotator_id", "class_id", "onset_index"):
        frame[column] = frame[column].astype("Int64")
    return frame


@pytest.fixture
def score():
    episodes = _episodes(
        [
            (1, "size_bias", 50, 60),  # before onset 100 and over by then
            (1, "iaa", 130, 200),
            (2, "missing", 4, 9),  # tie at seq 4: gold_accuracy comes first in SIGNALS
            (2, "gold_accuracy", 4, 400),
            (3, "drift", 40, 70),  # on at the onset (50): caught there, delay 1
            (5, "iaa", 259, 300),  # onset 10: delay 250
            (11, "drift", 300, 301),
            (11, "iaa", 20, 25),
        ]
    )
    class_episodes = pd.DataFrame(
        {
            "class_id": [3, 1],
            "start_items": [80, 500],
            "start_at": [AT, AT],
            "value": [0.6, 0.65],
            "n_values": [60.0, 900.0],
            "bound": [0.7, 0.7],
        }
    )[list(CLASS_EPISODE_COLUMNS)]
    run = CatchRun(CatchRules(), episodes, class_episodes, pd.DataFrame())
    faults = _faults(
        [
            ("loose_box", 1, None, 100, True),
            ("spam", 2, None, 0, True),
            ("drift", 3, None, 50, True),
            ("tight_box", 4, None, 10, True),
            ("misses_small", 5, None, 10, True),
            ("drift", 6, None, None, False),  # onset after the annotator's last task
            ("ambiguous_class", None, 3, 0, True),
        ]
    )
    return score_run(run, faults, np.array([10, 11, 12]))


def test_catches_delays_and_signals(score) -> None:
    catches = score.catches.set_index("fault")
    assert len(catches) == 6  # the unmanifested fault is not scored
    loose = catches.loc["loose_box"]
    assert (loose["caught"], loose["signal"], loose["delay_items"]) == (True, "iaa", 31)
    assert loose["pre_onset_alarm"]
    spam = catches.loc["spam"]
    assert (spam["signal"], spam["delay_items"], spam["pre_onset_alarm"]) == (
        "gold_accuracy",
        5,
        False,
    )
    drift = catches.loc["drift"]
    assert (drift["delay_items"], drift["pre_onset_alarm"]) == (1, True)
    assert pd.isna(drift["caught_at"])  # the alarm was raised before the onset
    tight = catches.loc["tight_box"]
    assert not tight["caught"] and not tight["within_target"] and pd.isna(tight["delay_items"])
    late = catches.loc["misses_small"]
    assert late["caught"] and late["delay_items"] == 250 and not late["within_target"]
    ambiguous = catches.loc["ambiguous_class"]
    assert (ambiguous["signal"], ambiguous["delay_items"], ambiguous["class_id"]) == (
        "ambiguous_class",
        80,
        3,
    )
    assert not score.all_caught_in_time


def test_false_alarms_count_each_clean_annotator_once(score) -> None:
    alarms = score.false_alarms.set_index("annotator_id")
    assert alarms["alarmed"].tolist() == [False, True, False]
    assert alarms.loc[11, "signals"] == "iaa,drift"
    assert alarms.loc[11, "first_seq"] == 20
    assert score.false_alarm_rate == pytest.approx(1 / 3)
    assert score.class_false_alarms["class_id"].tolist() == [1]


def test_bad_arguments_are_refused() -> None:
    run = CatchRun(CatchRules(), _episodes([]), pd.DataFrame(), pd.DataFrame())
    with pytest.raises(ValueError, match="max_delay"):
        score_run(run, _faults([]), np.array([1]), max_delay=0)
    with pytest.raises(ValueError, match=r"faults: missing required column\(s\) \['manifested'\]"):
        score_run(run, _faults([]).drop(columns="manifested"), np.array([1]))


def test_no_clean_annotator_gives_no_rate() -> None:
    class_episodes = pd.DataFrame(columns=list(CLASS_EPISODE_COLUMNS))
    run = CatchRun(CatchRules(), _episodes([]), class_episodes, pd.DataFrame())
    assert score_run(run, _faults([]), np.array([], dtype=np.int64)).false_alarm_rate is None
