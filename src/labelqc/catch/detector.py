"""The catch detector: the service's QA signals run over a program as it unfolds.

Per annotator, every signal has a state after each of their tasks (evidence so far only; see
:mod:`labelqc.catch.timeline`). The states are read every ``rules.check_every_items`` of the
annotator's own items (and after their last one); an *alarm episode* starts where a signal is
on at a check after being off at the previous one. The class-level signal is read every
``rules.ambiguous_class.check_every_items`` completed items of the program.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labelqc.catch.drift_signal import drift_evaluations
from labelqc.catch.gold_evidence import gold_evidence
from labelqc.catch.gold_signals import (
    confusion_evaluations,
    gold_accuracy_evaluations,
    missing_evaluations,
    size_bias_evaluations,
)
from labelqc.catch.iaa_evidence import iaa_evidence
from labelqc.catch.iaa_signals import class_evaluations, iaa_evaluations
from labelqc.catch.rules import SIGNALS, CatchRules
from labelqc.catch.timeline import Timeline, build_timeline
from labelqc.catch.view import ServiceView

EPISODE_COLUMNS = (
    "annotator_id",
    "signal",
    "start_seq",
    "start_at",
    "end_seq",
    "value",
    "bound",
    "detail",
)
CLASS_EPISODE_COLUMNS = ("class_id", "start_items", "start_at", "value", "n_values", "bound")


@dataclass(frozen=True, eq=False)
class CatchRun:
    """Result of :func:`detect`.

    ``episodes``: one row per alarm episode of a per-annotator signal: ``annotator_id,
    signal`` (one of :data:`~labelqc.catch.rules.SIGNALS`), ``start_seq`` / ``end_seq`` (the
    annotator's queue index at the first and last check the alarm was on), ``start_at`` (that
    task's start), ``value`` / ``bound`` (the statistic and what it crossed, at the start) and
    ``detail``. ``class_episodes``: the same for the class-level signal: ``class_id,
    start_items`` (completed regular items of the program at the firing check), ``start_at``,
    ``value`` (alpha), ``n_values``, ``bound``. ``annotators``: every annotator monitored, with
    ``n_tasks`` and ``n_checks``. ``timings``: seconds spent per stage.
    """

    rules: CatchRules
    episodes: pd.DataFrame
    class_episodes: pd.DataFrame
    annotators: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def _check_rows(timeline: Timeline, every: int) -> np.ndarray:
    tasks = timeline.tasks
    seq = tasks["seq_index"].to_numpy()
    annotators = tasks["annotator_id"].to_numpy()
    last = np.r_[annotators[1:] != annotators[:-1], True] if len(tasks) else np.zeros(0, bool)
    return ((seq - seq[timeline.first_row] + 1) % every == 0) | last


def _filled_states(evaluated: pd.DataFrame, timeline: Timeline) -> pd.DataFrame:
    """Signal state at every timeline row: the last evaluation at or before it (same annotator)."""
    evaluated = evaluated.drop_duplicates("row", keep="last").set_index("row")
    states = evaluated.reindex(np.arange(timeline.n_rows))
    states["fired"] = states["fired"].astype("float64")
    return states.groupby(timeline.tasks["annotator_id"].to_numpy(), sort=False).ffill()


def _episodes(
    signal: str, evaluated: pd.DataFrame, timeline: Timeline, checks: np.ndarray
) -> pd.DataFrame:
    states = _filled_states(evaluated, timeline)
    rows = np.flatnonzero(checks)
    fired = states["fired"].to_numpy()[rows] == 1.0
    annotators = timeline.tasks["annotator_id"].to_numpy()[rows]
    same_before = np.r_[False, annotators[1:] == annotators[:-1]]
    same_after = np.r_[annotators[1:] == annotators[:-1], False]
    previous = np.r_[False, fired[:-1]] & same_before
    following = np.r_[fired[1:], False] & same_after
    starts = np.flatnonzero(fired & ~previous)
    ends = np.flatnonzero(fired & ~following)
    start_rows, end_rows = rows[starts], rows[ends]
    tasks = timeline.tasks
    return pd.DataFrame(
        {
            "annotator_id": tasks["annotator_id"].to_numpy()[start_rows],
            "signal": signal,
            "start_seq": tasks["seq_index"].to_numpy()[start_rows],
            "start_at": tasks["started_at"].iloc[start_rows].reset_index(drop=True),
            "end_seq": tasks["seq_index"].to_numpy()[end_rows],
            "value": states["value"].to_numpy(dtype=np.float64)[start_rows],
            "bound": states["bound"].to_numpy(dtype=np.float64)[start_rows],
            "detail": states["detail"].to_numpy(dtype=object)[start_rows],
        }
    )


def _class_episodes(evaluated: pd.DataFrame, timeline: Timeline) -> pd.DataFrame:
    ordered = evaluated.sort_values(["class_id", "time_ms"], kind="stable")
    fired = ordered["fired"].to_numpy(dtype=bool)
    classes = ordered["class_id"].to_numpy()
    previous = np.r_[False, fired[:-1]] & np.r_[False, classes[1:] == classes[:-1]]
    starts = ordered[fired & ~previous]
    start_at = timeline.origin + pd.to_timedelta(starts["time_ms"].to_numpy(np.int64), unit="ms")
    return pd.DataFrame(
        {
            "class_id": starts["class_id"].to_numpy(dtype=np.int64),
            "start_items": starts["items_done"].to_numpy(dtype=np.int64),
            "start_at": pd.Series(start_at),
            "value": starts["value"].to_numpy(dtype=np.float64),
            "n_values": starts["n_values"].to_numpy(dtype=np.float64),
            "bound": starts["bound"].to_numpy(dtype=np.float64),
        }
    )


def detect(view: ServiceView, rules: CatchRules | None = None) -> CatchRun:
    """Run every signal over ``view`` as the program unfolds; returns a :class:`CatchRun`.

    Only service-visible data is read (``view`` refuses simulation-only columns): honeypot
    truth, labels, queue order and times, and overlap between annotators.
    """
    rules = rules or CatchRules()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    timeline = build_timeline(view)
    gold = gold_evidence(view, timeline, rules.gold_iou_threshold, rules.missing.small_area)
    lap("gold evidence")
    agreement = iaa_evidence(view, timeline, rules.iaa.iou_threshold)
    lap("agreement evidence")
    producers: dict[str, Callable[[], pd.DataFrame]] = {
        "gold_accuracy": lambda: gold_accuracy_evaluations(gold, rules.gold_accuracy),
        "size_bias": lambda: size_bias_evaluations(gold, rules.size_bias),
        "class_confusion": lambda: confusion_evaluations(gold, rules.class_confusion),
        "missing": lambda: missing_evaluations(gold, rules.missing),
        "iaa": lambda: iaa_evaluations(agreement, timeline, rules.iaa),
        "drift": lambda: drift_evaluations(gold, timeline, rules.drift),
    }
    checks = _check_rows(timeline, rules.check_every_items)
    parts = []
    for signal in SIGNALS:
        parts.append(_episodes(signal, producers[signal](), timeline, checks))
        lap(signal)
    class_episodes = _class_episodes(
        class_evaluations(agreement, timeline, rules.ambiguous_class), timeline
    )
    lap("ambiguous_class")
    tasks = timeline.tasks
    annotators = (
        pd.DataFrame({"annotator_id": tasks["annotator_id"].to_numpy(), "check": checks})
        .groupby("annotator_id", sort=True)
        .agg(n_tasks=("check", "size"), n_checks=("check", "sum"))
        .reset_index()
    )
    return CatchRun(
        rules=rules,
        episodes=pd.concat(parts, ignore_index=True).loc[:, list(EPISODE_COLUMNS)],
        class_episodes=class_episodes.loc[:, list(CLASS_EPISODE_COLUMNS)],
        annotators=annotators,
        timings=timings,
    )
