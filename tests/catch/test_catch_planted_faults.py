"""Every planted fault is caught within 200 items, with few false alarms on clean annotators.

The program (tests/catch/conftest.py): 6,000 synthetic items, 28 annotators over 20 working
days, overlap 1-3, seeds 1, 2, 3 (the rules were tuned on seed 0 of the benchmark program).
Each annotator does about 460 tasks (23 a day), about 47 of them honeypots: 5 openers, then
9% (1 in 11) of the queue, so 200 items bring about 18 honeypots, 180 gold objects.

Why that is enough for each fault (defaults of CatchRules; sigma = standard error):

- loose / tight boxes: mean log area ratio about +0.26 / -0.30 against a band of 0.10; a
  honeypot's mean has SD about 0.07, so 20 pairs (2-3 honeypots) put the mean 0.16 beyond the
  band with SE about 0.045: caught within the 5 openers.
- confuser: round/oval are 65% of about 9.8 gold objects per honeypot, 6.4 pair matches per
  honeypot at a 20% swap rate; a 10-honeypot window (64 matches, 13 swaps expected) has a 99%
  lower Wilson bound about 0.11, above the team rate (about 0.02) + 0.05; the chance of a
  window with 7 swaps or fewer is about 3%, and 200 items hold nearly two disjoint windows.
- misses small objects: 24% of gold objects are small (2.4 per honeypot), recall about 0.29
  against 0.80: at 15 small objects (6 honeypots) the 99% upper Wilson bound is about 0.60.
- spammer: honeypot accuracy about 0.2 against the target 0.8; with about 10 outcomes per
  honeypot each adds (0.6 / (2.0 x 0.4 / sqrt 10)) - 0.5 = 1.9 to the lower CUSUM: h = 5 is
  crossed within 3 honeypots.
- drifter (from day 10, onset index about 190, 250 items after it): fully degraded after 3
  days, accuracy falls by about 0.3 = 0.7 per-object sigma; about 20 gold objects a day make
  that 3 sigma per day, so the drift CUSUM (h = 10) crosses within about 4 days (90 items), with
  the honeypot accuracy CUSUM and the agreement signal as backups.
- ambiguous class 3: label alpha about 0.63 against the floor 0.70 (other classes about 0.89);
  the 50 pairable values needed come within about 50 items of the program.

False alarms: 22 clean annotators x 3 seeds = 66 annotators; the benchmark measures about 3%
any-signal (docs/bench-catch-rate.md, where annotators do 2.3 times more items and so more
checks); the bound asserted is the target, 5% (at most 3 of 66).
"""

from __future__ import annotations

import pandas as pd

from labelqc.catch import DEFAULT_MAX_DELAY, SIGNALS


def test_every_planted_fault_is_caught_within_200_items(small_runs) -> None:
    for caught in small_runs:
        catches = caught.score.catches
        expected = {
            "loose_box",
            "tight_box",
            "class_confusion",
            "misses_small",
            "spam",
            "drift",
            "ambiguous_class",
        }
        assert set(catches["fault"]) == expected
        late = catches[~catches["within_target"]]
        assert late.empty, f"seed {caught.program.spec.seed}: not caught in time:\n{late}"
        assert (catches["delay_items"] <= DEFAULT_MAX_DELAY).all()
        assert (catches["delay_items"] >= 1).all()


def test_each_catch_names_a_signal_and_the_class_fault_names_class_3(small_runs) -> None:
    for caught in small_runs:
        catches = caught.score.catches
        annotator_faults = catches[catches["annotator_id"].notna()]
        assert annotator_faults["signal"].isin(SIGNALS).all()
        class_fault = catches[catches["fault"] == "ambiguous_class"].iloc[0]
        assert class_fault["signal"] == "ambiguous_class"
        assert int(class_fault["class_id"]) == caught.program.spec.ambiguous_class_id


def test_any_signal_false_alarm_rate_on_clean_annotators_is_at_most_5_percent(
    small_runs,
) -> None:
    alarms = pd.concat([caught.score.false_alarms for caught in small_runs], ignore_index=True)
    assert len(alarms) == 66
    assert alarms["alarmed"].sum() <= 0.05 * len(alarms)
    for caught in small_runs:
        assert caught.score.class_false_alarms.empty


def test_static_faults_from_day_0_are_caught_by_their_own_signal(small_runs) -> None:
    """The signal built for each fault is the one that fires first on at least 2 of 3 seeds."""
    own = {
        "loose_box": {"size_bias"},
        "tight_box": {"size_bias"},
        "misses_small": {"missing", "iaa"},
        "spam": {"gold_accuracy", "iaa", "missing"},
        "class_confusion": {"class_confusion", "iaa"},
    }
    catches = pd.concat([c.score.catches for c in small_runs], ignore_index=True)
    for fault, signals in own.items():
        rows = catches[catches["fault"] == fault]
        assert rows["signal"].isin(signals).sum() >= 2, rows
