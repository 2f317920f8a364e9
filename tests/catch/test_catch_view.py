"""The detector's only input is what the service sees; simulation knowledge is refused."""

from __future__ import annotations

import pandas as pd
import pytest

from labelqc.catch import ServiceView, ViewInputError, service_view
from labelqc.catch.view import SIMULATION_ONLY


def test_service_view_drops_simulation_only_columns(small_program) -> None:
    view = small_program.view
    for frame in (view.tasks, view.annotations, view.gold):
        assert not SIMULATION_ONLY & set(frame.columns)
    assert "task_quality" in small_program.program.tasks.columns
    assert "source_ann_id" in small_program.program.annotations.columns


def test_gold_is_only_the_truth_of_honeypot_items(small_program) -> None:
    view, program = small_program.view, small_program.program
    assert set(view.gold["item_id"]) <= set(view.gold_item_ids)
    regular_items = set(program.items.loc[~program.items["is_gold"], "item_id"])
    assert not set(view.gold["item_id"]) & regular_items


@pytest.mark.parametrize("frame_name", ["tasks", "annotations"])
def test_a_frame_carrying_simulation_knowledge_is_refused(small_program, frame_name) -> None:
    view = small_program.view
    frames = {"tasks": view.tasks, "annotations": view.annotations, "gold": view.gold}
    column = "task_quality" if frame_name == "tasks" else "source_ann_id"
    frames[frame_name] = frames[frame_name].assign(**{column: 0})
    with pytest.raises(ViewInputError, match=f"{frame_name}: carries simulation-only"):
        ServiceView(**frames)


def test_truth_of_a_regular_item_is_refused(small_program) -> None:
    program, view = small_program.program, small_program.view
    regular = program.truth[~program.truth["item_id"].isin(view.gold_item_ids)].head(3)
    with pytest.raises(ViewInputError, match=r"gold.item_id: item \d+ has gold but is not"):
        ServiceView(view.tasks, view.annotations, pd.concat([view.gold, regular]))


def test_missing_columns_naive_times_and_repeated_queue_slots_are_refused(small_program) -> None:
    view = small_program.view
    with pytest.raises(
        ViewInputError, match=r"tasks: missing required column\(s\) \['seq_index'\]"
    ):
        ServiceView(view.tasks.drop(columns="seq_index"), view.annotations, view.gold)
    naive = view.tasks.assign(started_at=view.tasks["started_at"].dt.tz_localize(None))
    with pytest.raises(ViewInputError, match=r"tasks\.started_at: expected tz-aware"):
        ServiceView(naive, view.annotations, view.gold)
    repeated = view.tasks.assign(seq_index=0)
    with pytest.raises(ViewInputError, match=r"tasks: annotator \d+ has seq_index 0 twice"):
        ServiceView(repeated, view.annotations, view.gold)


def test_service_view_of_the_simulator_is_accepted(small_program) -> None:
    view = service_view(small_program.program)
    assert len(view.tasks) == len(small_program.program.tasks)
    assert len(view.annotations) == len(small_program.program.annotations)
