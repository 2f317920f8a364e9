"""Reviewer decisions and rework cycles, driven by each task's true quality.

Task quality = correct / max(labels submitted, true objects), where a label is correct when it
came from a true object, keeps that object's class and overlaps it with IoU >= 0.5 (the
simulator knows which object each label came from, so no matching is needed); a task with no
objects and no labels has quality 1. A reviewed task is rejected at cycle 0 when its quality is
below `reject_below` unless the reviewer misses it (reviewer_miss_rate), and a good task is
rejected by mistake with reviewer_false_reject_rate. Each rework is approved with
rework_success_rate; after max_rework_cycles rejected reworks the task stays rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.simulate.behaviour import NO_SOURCE
from labelqc.simulate.spec import ProgramSpec

REVIEW_COLUMNS = (
    "task_id",
    "item_id",
    "annotator_id",
    "cycle",
    "decision",
    "task_quality",
    "reviewed_at",
)
_HOUR_MS = 3_600_000


def box_iou_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise IoU of xywh boxes a[i] and b[i] (n x 4 each); 0 where the union is empty."""
    ax2, ay2 = a[:, 0] + a[:, 2], a[:, 1] + a[:, 3]
    bx2, by2 = b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    iw = np.clip(np.minimum(ax2, bx2) - np.maximum(a[:, 0], b[:, 0]), 0.0, None)
    ih = np.clip(np.minimum(ay2, by2) - np.maximum(a[:, 1], b[:, 1]), 0.0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def task_quality(
    n_tasks: int, labels: dict[str, np.ndarray], truth: pd.DataFrame, n_truth: np.ndarray
) -> np.ndarray:
    """Quality in [0, 1] per task row (definition in the module doc).

    labels: arrays task_row, source_row (row in truth, -1 = spurious), class_id, x, y, w, h.
    truth: objects with class_id, x, y, w, h. n_truth: true objects on each task's item.
    """
    source = labels["source_row"]
    from_object = source != NO_SOURCE
    matched = source[from_object]
    label_boxes = np.stack([labels[k][from_object] for k in ("x", "y", "w", "h")], axis=1)
    truth_boxes = truth[["x", "y", "w", "h"]].to_numpy(dtype=float)[matched]
    iou = box_iou_pairs(label_boxes, truth_boxes)
    same_class = labels["class_id"][from_object] == truth["class_id"].to_numpy()[matched]
    correct = np.zeros(source.size, dtype=bool)
    correct[from_object] = (iou >= 0.5) & same_class
    task_row = labels["task_row"]
    n_correct = np.bincount(task_row, weights=correct, minlength=n_tasks)
    n_labels = np.bincount(task_row, minlength=n_tasks)
    denominator = np.maximum(n_labels, n_truth)
    return np.divide(
        n_correct, denominator, out=np.ones(n_tasks, dtype=float), where=denominator > 0
    )


def simulate_reviews(
    tasks: pd.DataFrame,
    quality: np.ndarray,
    submitted_at: np.ndarray,
    spec: ProgramSpec,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Review decisions, one row per (task, cycle), for a review_rate share of regular tasks.

    Returns columns task_id, item_id, annotator_id, cycle (0 = first review, k = k-th rework),
    decision ("approve" / "reject"), task_quality (of the first submission) and reviewed_at
    (UTC, 0.5-20 h after submission, each rework 2-30 h after the previous decision).
    """
    n = len(tasks)
    reviewed = (~tasks["is_gold"].to_numpy()) & (rng.random(n) < spec.review_rate)
    bad = quality < spec.reject_below
    u = rng.random(n)
    rejected = np.where(bad, u >= spec.reviewer_miss_rate, u < spec.reviewer_false_reject_rate)
    # Reworks until the first approval: geometric, capped by max_rework_cycles.
    if spec.rework_success_rate > 0:
        attempts = rng.geometric(spec.rework_success_rate, n)
    else:
        attempts = np.full(n, spec.max_rework_cycles + 1)
    reworks = np.where(rejected, np.minimum(attempts, spec.max_rework_cycles), 0)
    final_approved = ~rejected | (attempts <= spec.max_rework_cycles)

    index = np.flatnonzero(reviewed)
    rows_per_task = 1 + reworks[index]
    row_task = np.repeat(index, rows_per_task)
    first_row = np.cumsum(rows_per_task) - rows_per_task
    cycle = np.arange(row_task.size) - np.repeat(first_row, rows_per_task)
    last = cycle == reworks[row_task]
    decision = np.where(
        cycle == 0,
        np.where(rejected[row_task], "reject", "approve"),
        np.where(last & final_approved[row_task], "approve", "reject"),
    )
    delay_h = np.where(
        cycle == 0, rng.uniform(0.5, 20.0, row_task.size), rng.uniform(2.0, 30.0, row_task.size)
    )
    total_h = np.cumsum(delay_h)
    elapsed_h = total_h - np.repeat(total_h[first_row] - delay_h[first_row], rows_per_task)
    reviewed_at = submitted_at[row_task] + np.round(elapsed_h * _HOUR_MS).astype("timedelta64[ms]")
    return pd.DataFrame(
        {
            "task_id": tasks["task_id"].to_numpy()[row_task],
            "item_id": tasks["item_id"].to_numpy()[row_task],
            "annotator_id": tasks["annotator_id"].to_numpy()[row_task],
            "cycle": cycle.astype(np.int64),
            "decision": decision,
            "task_quality": quality[row_task],
            "reviewed_at": pd.to_datetime(reviewed_at, utc=True),
        },
        columns=list(REVIEW_COLUMNS),
    )
