"""Review decisions follow task quality; rework cycles are consecutive and capped."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from labelqc.simulate import scaled_spec, simulate_program
from labelqc.simulate.review import box_iou_pairs


def test_box_iou_pairs_matches_pycocotools() -> None:
    rng = np.random.default_rng(5)
    a = np.column_stack([rng.uniform(0, 50, (40, 2)), rng.uniform(1, 30, (40, 2))])
    b = np.column_stack([rng.uniform(0, 50, (40, 2)), rng.uniform(1, 30, (40, 2))])
    expected = np.diag(mask_utils.iou(a.tolist(), b.tolist(), [0] * 40))
    np.testing.assert_allclose(box_iou_pairs(a, b), expected, rtol=1e-12)


def test_cycles_are_consecutive_and_only_the_last_can_approve(large_demo_program) -> None:
    reviews = large_demo_program.reviews
    spec = large_demo_program.spec
    assert set(reviews["decision"]) == {"approve", "reject"}
    by_task = reviews.groupby("task_id", sort=False)
    assert (reviews["cycle"] == by_task.cumcount()).all()
    is_last = reviews["cycle"] == by_task["cycle"].transform("max")
    assert (reviews.loc[~is_last, "decision"] == "reject").all()
    assert reviews["cycle"].max() == spec.max_rework_cycles
    assert (reviews.groupby("task_id")["reviewed_at"].diff().dropna() > np.timedelta64(0)).all()


def test_gold_tasks_are_not_reviewed(large_demo_program) -> None:
    reviewed = set(large_demo_program.reviews["task_id"])
    gold_tasks = set(large_demo_program.tasks.loc[large_demo_program.tasks["is_gold"], "task_id"])
    assert not reviewed & gold_tasks


def test_bad_tasks_are_rejected_more(large_demo_program) -> None:
    first = large_demo_program.reviews[large_demo_program.reviews["cycle"] == 0]
    bad = first["task_quality"] < large_demo_program.spec.reject_below
    reject = first["decision"] == "reject"
    assert abs(reject[bad].mean() - 0.90) < 0.05
    assert abs(reject[~bad].mean() - 0.03) < 0.02
    by_annotator = reject.groupby(first["annotator_id"]).mean()
    assert by_annotator[5] > by_annotator[1] + 0.2


def test_review_rate_and_no_rework() -> None:
    spec = replace(scaled_spec(3000, n_annotators=10), review_rate=0.3, max_rework_cycles=0)
    program = simulate_program(spec)
    regular = (~program.tasks["is_gold"]).sum()
    assert (program.reviews["cycle"] == 0).all()
    assert abs(len(program.reviews) / regular - 0.3) < 0.03


@pytest.mark.parametrize("field", ["review_rate", "reject_below", "rework_success_rate"])
def test_bad_review_settings_raise(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        replace(scaled_spec(100, n_annotators=4), **{field: 1.5})
