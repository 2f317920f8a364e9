"""Task and label timestamps: UTC, weekdays from the start date, inside working hours."""

from __future__ import annotations

import numpy as np
import pandas as pd


def test_created_at_is_utc_within_working_hours(large_demo_program) -> None:
    program = large_demo_program
    created = program.annotations["created_at"]
    assert str(created.dt.tz) == "UTC"
    opening, closing = program.spec.work_hours
    seconds = (created - created.dt.normalize()).dt.total_seconds()
    assert (seconds >= opening * 3600).all() and (seconds < closing * 3600).all()
    assert (created.dt.dayofweek < 5).all()


def test_days_map_to_weekdays_from_the_start_date(large_demo_program) -> None:
    tasks = large_demo_program.tasks
    dates = tasks["started_at"].dt.tz_localize(None).dt.normalize().to_numpy()
    expected = np.busday_offset(
        np.datetime64(large_demo_program.spec.start_date), tasks["day"].to_numpy()
    ).astype("datetime64[ns]")
    assert np.array_equal(dates, expected)
    assert tasks["day"].max() == large_demo_program.spec.n_days - 1
    assert tasks["started_at"].dt.normalize().nunique() == large_demo_program.spec.n_days


def test_each_annotator_works_in_queue_order(large_demo_program) -> None:
    tasks = large_demo_program.tasks.sort_values(["annotator_id", "seq_index"])
    steps = tasks.groupby("annotator_id")["started_at"].diff().dropna()
    assert (steps > pd.Timedelta(0)).all()
    labels = large_demo_program.annotations
    start = tasks.set_index("task_id")["started_at"].loc[labels["task_id"]].to_numpy()
    assert (labels["created_at"].to_numpy() > start).all()


def test_time_spent_sums_to_the_task_time(large_demo_program) -> None:
    labels = large_demo_program.annotations
    per_task = labels.groupby("task_id")["time_spent_s"].sum()
    tasks = large_demo_program.tasks.set_index("task_id")
    np.testing.assert_allclose(per_task, tasks.loc[per_task.index, "time_spent_s"])
    assert (tasks["time_spent_s"] > 0).all()
    assert (tasks.loc[per_task.index, "n_labels"] == labels.groupby("task_id").size()).all()


def test_regular_items_are_released_over_the_days(large_demo_program) -> None:
    items = large_demo_program.items
    regular = items[~items["is_gold"]]
    assert np.all(np.diff(regular["day"].to_numpy()) >= 0)
    per_day = regular.groupby("day").size()
    assert per_day.max() - per_day.min() <= 1
    tasks = large_demo_program.tasks
    item_day = items.set_index("item_id")["day"]
    regular_tasks = tasks[~tasks["is_gold"]]
    assert np.array_equal(item_day.loc[regular_tasks["item_id"]].to_numpy(), regular_tasks["day"])
