"""Scale smoke test: 20,000 synthetic items run through the whole simulation."""

from __future__ import annotations

from labelqc.simulate import scaled_spec, simulate_program


def test_twenty_thousand_items() -> None:
    program = simulate_program(scaled_spec(20_000))
    assert len(program.items) == 20_000
    assert len(program.annotations) > 200_000
    assert program.annotations["ann_id"].is_unique
    assert program.tasks["task_id"].is_unique
    assert program.items["day"].max() == program.spec.n_days - 1
    assert set(program.faults["fault"]) == {
        "loose_box",
        "tight_box",
        "class_confusion",
        "misses_small",
        "drift",
        "spam",
    }
