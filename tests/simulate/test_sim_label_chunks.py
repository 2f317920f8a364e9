"""Labels simulated in chunks keep their task, item and image bounds."""

from __future__ import annotations

import numpy as np
import pytest

from labelqc.simulate import scaled_spec, simulate_program
from labelqc.simulate.behaviour import (
    ProgramNoise,
    profile_arrays,
    simulate_labels_in_chunks,
)


@pytest.mark.parametrize("max_rows", [1, 37, 10_000_000])
def test_chunked_labels_belong_to_their_task(max_rows: int) -> None:
    program = simulate_program(scaled_spec(300, n_annotators=8))
    spec, truth = program.spec, program.truth
    tasks = program.tasks.assign(
        annotator_index=program.tasks["annotator_id"].map(
            {a.annotator_id: i for i, a in enumerate(spec.annotators)}
        )
    )
    size = program.items.set_index("item_id").loc[tasks["item_id"]]
    width, height = size["width"].to_numpy(float), size["height"].to_numpy(float)
    noise = ProgramNoise(4, 3, 0.3, 0.1, 1024.0)
    params = profile_arrays([a.profile for a in spec.annotators])
    labels = simulate_labels_in_chunks(
        tasks, truth, width, height, params, noise, np.random.default_rng(0), max_rows=max_rows
    )
    row = labels["task_row"]
    assert np.all(np.diff(row) >= 0) and row.max() < len(tasks)
    from_object = labels["source_row"] >= 0
    label_item = tasks["item_id"].to_numpy()[row[from_object]]
    assert np.array_equal(
        truth["item_id"].to_numpy()[labels["source_row"][from_object]], label_item
    )
    assert np.all(labels["x"] >= 0) and np.all(labels["x"] + labels["w"] <= width[row] + 1e-9)
    assert np.all(labels["y"] >= 0) and np.all(labels["y"] + labels["h"] <= height[row] + 1e-9)
    # Every (task, object) pair is labelled at most once.
    pairs = row[from_object] * len(truth) + labels["source_row"][from_object]
    assert np.unique(pairs).size == pairs.size
    # Recall stays near the profiles' rates whatever the chunking.
    assert (
        from_object.sum() / program.tasks["item_id"].map(truth.groupby("item_id").size()).sum()
        > 0.85
    )
