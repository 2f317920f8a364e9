"""The detector reads signals only at checks: every K of an annotator's own items (and after
their last one); alarms are episodes of consecutive checks with the signal on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labelqc.catch import SIGNALS, CatchRules, detect


@pytest.fixture(scope="module")
def every_ten(small_program):
    return detect(small_program.view, dataclasses.replace(CatchRules(), check_every_items=10))


def test_alarms_start_only_at_checks(small_program, every_ten) -> None:
    tasks = small_program.view.tasks
    last = tasks.groupby("annotator_id")["seq_index"].max()
    starts = every_ten.episodes
    on_check = ((starts["start_seq"] + 1) % 10 == 0) | (
        starts["start_seq"].to_numpy() == last.loc[starts["annotator_id"]].to_numpy()
    )
    assert on_check.all()
    assert every_ten.annotators["n_tasks"].sum() == len(tasks)
    expected_checks = tasks.groupby("annotator_id").size() // 10 + (
        tasks.groupby("annotator_id").size() % 10 > 0
    )
    np.testing.assert_array_equal(
        every_ten.annotators.set_index("annotator_id")["n_checks"], expected_checks
    )


def test_sparser_checks_never_alarm_earlier(small_program, every_ten) -> None:
    every_item = small_program.run.episodes
    first_every = every_item.groupby(["annotator_id", "signal"])["start_seq"].min()
    first_ten = every_ten.episodes.groupby(["annotator_id", "signal"])["start_seq"].min()
    shared = first_ten.index.intersection(first_every.index)
    assert len(shared) > 0
    assert (first_ten.loc[shared] >= first_every.loc[shared]).all()
    # An alarm lasting ten items or more cannot be missed by checks ten items apart.
    lasting = every_item[every_item["end_seq"] - every_item["start_seq"] >= 9]
    assert set(map(tuple, lasting[["annotator_id", "signal"]].to_numpy())) <= set(
        map(tuple, every_ten.episodes[["annotator_id", "signal"]].to_numpy())
    )


def test_episodes_hold_defined_values_and_known_signals(small_runs) -> None:
    for caught in small_runs:
        episodes = caught.run.episodes
        assert episodes["signal"].isin(SIGNALS).all()
        assert np.isfinite(episodes["value"].to_numpy(dtype=float)).all()
        assert (episodes["end_seq"] >= episodes["start_seq"]).all()
        classes = caught.run.class_episodes
        assert np.isfinite(classes["value"].to_numpy(dtype=float)).all()
        assert (classes["value"] < classes["bound"]).all()


def test_a_program_without_honeypots_runs_on_agreement_alone(small_program) -> None:
    view = small_program.view
    regular = view.tasks[~view.tasks["is_gold"]]
    labels = view.annotations[~view.annotations["item_id"].isin(view.gold_item_ids)]
    no_gold = type(view)(tasks=regular, annotations=labels, gold=view.gold.iloc[0:0])
    run = detect(no_gold)
    assert set(run.episodes["signal"]) <= {"iaa"}
    assert 3 in set(run.class_episodes["class_id"])
