"""Scoring a detector run against the planted faults: catches, delays and false alarms.

- An annotator fault is *caught* by the first alarm of that annotator that is on at or after
  the fault's onset; its delay is the number of the annotator's items from the onset task
  through the task after which the alarm was raised (an alarm raised before the onset and still
  on at it counts from the onset, delay 1, and is also reported as a pre-onset alarm). The
  signal named is the one of that alarm (ties in :data:`~labelqc.catch.rules.SIGNALS` order).
  With several faults on one annotator each is credited with the annotator's first alarm after
  its own onset: the signals say *that* someone is off, the table says which signal said so.
- The class-level fault is caught by the first alarm on its class; its delay is the number of
  completed regular items of the program at that check.
- A *false alarm* is a clean annotator (no planted fault) with at least one alarm of any
  signal at any time; the rate is over clean annotators, so the multiple testing across
  signals and checks is inside it. Alarms on other classes are class-level false alarms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.catch.detector import CatchRun
from labelqc.catch.program import AMBIGUOUS_FAULT
from labelqc.catch.rules import SIGNALS

DEFAULT_MAX_DELAY = 200
CATCH_COLUMNS = (
    "fault",
    "annotator_id",
    "class_id",
    "onset_index",
    "caught",
    "signal",
    "delay_items",
    "caught_at",
    "within_target",
    "pre_onset_alarm",
)


@dataclass(frozen=True, eq=False)
class CatchScore:
    """Scored run.

    ``catches``: one row per manifested planted fault (columns :data:`CATCH_COLUMNS`;
    ``signal``/``delay_items``/``caught_at`` are None when not caught). ``false_alarms``: one
    row per clean annotator: ``annotator_id, alarmed, signals`` (comma-joined signals that
    alarmed), ``first_seq``. ``false_alarm_rate``: alarmed / clean annotators (None without
    clean annotators). ``class_false_alarms``: class episodes on classes with no planted fault.
    ``max_delay``: the delay target in items.
    """

    catches: pd.DataFrame
    false_alarms: pd.DataFrame
    false_alarm_rate: float | None
    class_false_alarms: pd.DataFrame
    max_delay: int

    @property
    def all_caught_in_time(self) -> bool:
        """Every manifested fault caught within ``max_delay`` items."""
        return bool(self.catches["within_target"].all())


def _signal_rank(signals: pd.Series) -> np.ndarray:
    order = {name: rank for rank, name in enumerate(SIGNALS)}
    return signals.map(order).to_numpy(dtype=np.int64)


def _annotator_catch(episodes: pd.DataFrame, onset: int) -> dict[str, object]:
    active = episodes[episodes["end_seq"] >= onset]
    pre_onset = bool((episodes["start_seq"] < onset).any())
    if active.empty:
        return {"caught": False, "pre_onset_alarm": pre_onset}
    catch_seq = np.maximum(active["start_seq"].to_numpy(dtype=np.int64), onset)
    ranked = active.assign(catch_seq=catch_seq, rank=_signal_rank(active["signal"]))
    first = ranked.sort_values(["catch_seq", "rank"], kind="stable").iloc[0]
    return {
        "caught": True,
        "signal": first["signal"],
        "delay_items": int(first["catch_seq"]) - onset + 1,
        "caught_at": first["start_at"] if first["start_seq"] >= onset else None,
        "pre_onset_alarm": pre_onset,
    }


def _class_catch(class_episodes: pd.DataFrame, class_id: int) -> dict[str, object]:
    mine = class_episodes[class_episodes["class_id"] == class_id]
    if mine.empty:
        return {"caught": False, "pre_onset_alarm": False}
    first = mine.sort_values("start_items", kind="stable").iloc[0]
    return {
        "caught": True,
        "signal": AMBIGUOUS_FAULT,
        "delay_items": int(first["start_items"]),
        "caught_at": first["start_at"],
        "pre_onset_alarm": False,
    }


def score_run(
    run: CatchRun,
    faults: pd.DataFrame,
    clean_annotators: np.ndarray,
    *,
    max_delay: int = DEFAULT_MAX_DELAY,
) -> CatchScore:
    """Score ``run`` against ``faults`` (:func:`labelqc.catch.planted_faults`) and the ids of
    clean annotators; ``max_delay`` is the catch target in items after onset."""
    if max_delay < 1:
        raise ValueError(f"max_delay: expected >= 1 item, got {max_delay}")
    missing = [
        c
        for c in ("fault", "annotator_id", "class_id", "onset_index", "manifested")
        if c not in faults.columns
    ]
    if missing:
        raise ValueError(f"faults: missing required column(s) {missing}")
    episodes = run.episodes
    rows = []
    for fault in faults[faults["manifested"].astype(bool)].itertuples(index=False):
        base = {
            "fault": fault.fault,
            "annotator_id": fault.annotator_id,
            "class_id": fault.class_id,
            "onset_index": fault.onset_index,
            "signal": None,
            "delay_items": None,
            "caught_at": None,
        }
        if pd.isna(fault.annotator_id):
            outcome = _class_catch(run.class_episodes, int(fault.class_id))
        else:
            mine = episodes[episodes["annotator_id"] == int(fault.annotator_id)]
            outcome = _annotator_catch(mine, int(fault.onset_index))
        row = {**base, **outcome}
        row["within_target"] = bool(row["caught"]) and int(row["delay_items"]) <= max_delay
        rows.append(row)
    catches = pd.DataFrame(rows, columns=list(CATCH_COLUMNS))
    catches["annotator_id"] = catches["annotator_id"].astype("Int64")
    catches["class_id"] = catches["class_id"].astype("Int64")
    catches["onset_index"] = catches["onset_index"].astype("Int64")
    catches["delay_items"] = catches["delay_items"].astype("Int64")

    clean = np.asarray(clean_annotators, dtype=np.int64)
    on_clean = episodes[episodes["annotator_id"].isin(clean)]
    per_annotator = on_clean.groupby("annotator_id").agg(
        signals=("signal", lambda s: ",".join(sorted(set(s), key=SIGNALS.index))),
        first_seq=("start_seq", "min"),
    )
    false_alarms = pd.DataFrame({"annotator_id": clean}).merge(
        per_annotator.reset_index(), on="annotator_id", how="left"
    )
    false_alarms["alarmed"] = false_alarms["signals"].notna()
    false_alarms["signals"] = false_alarms["signals"].fillna("")
    false_alarms["first_seq"] = false_alarms["first_seq"].astype("Int64")
    planted_classes = faults["class_id"].dropna().astype(int).tolist()
    class_false = run.class_episodes[~run.class_episodes["class_id"].isin(planted_classes)]
    rate = float(false_alarms["alarmed"].mean()) if clean.size else None
    return CatchScore(
        catches=catches,
        false_alarms=false_alarms.loc[:, ["annotator_id", "alarmed", "signals", "first_seq"]],
        false_alarm_rate=rate,
        class_false_alarms=class_false.reset_index(drop=True),
        max_delay=max_delay,
    )
