"""Gold injection follows the workflow: first 5 tasks gold, then each slot gold with p = 10%."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from labelqc.simulate import scaled_spec, simulate_program


def test_first_five_tasks_of_every_annotator_are_gold(large_demo_program) -> None:
    tasks = large_demo_program.tasks.sort_values(["annotator_id", "seq_index"])
    head = tasks.groupby("annotator_id").head(5)
    assert head["is_gold"].all()
    assert (head.groupby("annotator_id").size() == 5).all()


def test_gold_tasks_are_gold_items_and_the_pool_is_first(large_demo_program) -> None:
    program = large_demo_program
    items = program.items.set_index("item_id")
    tasks = program.tasks
    assert np.array_equal(items.loc[tasks["item_id"], "is_gold"].to_numpy(), tasks["is_gold"])
    n_gold = program.spec.resolved_gold_pool_size()
    assert items["is_gold"].sum() == n_gold
    assert items["is_gold"].iloc[:n_gold].all()
    assert set(program.gold["item_id"]) <= set(items.index[items["is_gold"]])
    assert (program.gold["annotator_id"] == -1).all()


def test_injection_rate_after_the_opening_is_about_ten_percent() -> None:
    # A large gold pool so the pool never runs out and the rate is not truncated.
    spec = replace(scaled_spec(6000, n_annotators=10), gold_pool_size=1500)
    tasks = simulate_program(spec).tasks
    after_opening = tasks[tasks["seq_index"] >= 5]
    # P(slot is gold) = r / (1 + r) when a gold is slipped in before a regular task with p = r.
    share = after_opening["is_gold"].mean()
    assert abs(share - 0.10 / 1.10) < 0.01


def test_an_annotator_sees_each_gold_item_at_most_once(large_demo_program) -> None:
    gold = large_demo_program.tasks[large_demo_program.tasks["is_gold"]]
    assert not gold.duplicated(["annotator_id", "item_id"]).any()


def test_injection_stops_when_the_pool_is_used_up() -> None:
    spec = replace(scaled_spec(3000, n_annotators=6), gold_pool_size=7, gold_rate=0.5)
    tasks = simulate_program(spec).tasks
    per_annotator = tasks[tasks["is_gold"]].groupby("annotator_id").size()
    assert (per_annotator == 7).all()
