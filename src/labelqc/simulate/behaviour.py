"""Turn tasks into labels: every (task, true object) pair is one vectorized row.

Per row the annotator's profile decides, in this order: miss (base + drift + small-object
miss), class (pair swap, then random class noise, then the ambiguous-class noise, each drawn
independently, a later one overriding), box (scale about the centre, then Gaussian edge jitter,
clipped to the image; a box under 1 px is dropped) and the occluded/truncated flags (each
flipped with flag_error). Spurious boxes are added per task (Poisson false positives), and a
spam task replaces all of its labels with random boxes of random classes. With the detector's
drafts (drafts.py) the annotator then keeps some drafts instead of their own labels; those
decisions come from a stream of their own, so the labels drawn above are the same either way.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.simulate.drafts import DraftBoard, background_drafts_kept, object_drafts_kept
from labelqc.simulate.profiles import AnnotatorProfile

NO_SOURCE = -1


@dataclass(frozen=True)
class ProgramNoise:
    """Program-wide label noise: the ambiguous class and what counts as small."""

    n_classes: int
    ambiguous_class_id: int | None
    ambiguous_class_noise: float
    ambiguous_box_jitter: float
    small_area: float


def profile_arrays(profiles: Sequence[AnnotatorProfile]) -> dict[str, np.ndarray]:
    """Profile parameters as arrays indexed by annotator position (drift onset inf = none)."""

    def column(getter) -> np.ndarray:
        return np.array([getter(p) for p in profiles], dtype=float)

    return {
        "box_jitter": column(lambda p: p.box_jitter),
        "scale_low": column(lambda p: p.box_scale_range[0]),
        "scale_high": column(lambda p: p.box_scale_range[1]),
        "miss": column(lambda p: p.miss_rate),
        "small_miss": column(lambda p: p.small_miss_rate),
        "class_noise": column(lambda p: p.class_noise),
        "swap_a": column(lambda p: p.swap_pair[0]).astype(np.int64),
        "swap_b": column(lambda p: p.swap_pair[1]).astype(np.int64),
        "swap_rate": column(lambda p: p.swap_rate),
        "false_positive": column(lambda p: p.false_positive_rate),
        "spam": column(lambda p: p.spam_rate),
        "fault_onset": column(lambda p: p.fault_onset_day),
        "drift_onset": column(lambda p: np.inf if p.drift_onset_day is None else p.drift_onset_day),
        "drift_ramp": column(lambda p: p.drift_ramp_days),
        "drift_jitter": column(lambda p: p.drift_box_jitter),
        "drift_miss": column(lambda p: p.drift_miss_rate),
        "drift_noise": column(lambda p: p.drift_class_noise),
        "flag_error": column(lambda p: p.flag_error),
        "seconds_per_object": column(lambda p: p.seconds_per_object),
        "seconds_per_task": column(lambda p: p.seconds_per_task),
        "draft_trust": column(lambda p: p.draft_trust),
        "wrong_draft_trust": column(lambda p: p.wrong_draft_trust),
        "spurious_draft_trust": column(lambda p: p.spurious_draft_trust),
        "draft_agree_iou": column(lambda p: p.draft_agree_iou),
        "undrafted_miss": column(lambda p: p.undrafted_miss_rate),
        "seconds_per_kept_draft": column(lambda p: p.seconds_per_kept_draft),
    }


def drift_degradation(day: np.ndarray, onset: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """0 before onset, then (day - onset + 1) / ramp capped at 1."""
    with np.errstate(invalid="ignore"):
        level = (day - onset + 1.0) / ramp
    return np.clip(np.nan_to_num(level, nan=0.0, neginf=0.0), 0.0, 1.0)


def _other_class(true_class: np.ndarray, n_classes: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly drawn class different from true_class."""
    return (true_class + rng.integers(1, n_classes, true_class.size)) % n_classes


def _random_boxes(
    width: np.ndarray, height: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Plausible-looking boxes anywhere in the image (for false positives and spam)."""
    side = 0.1 * np.minimum(width, height) * np.exp(0.6 * rng.standard_normal(width.size))
    ratio = np.exp(0.4 * rng.standard_normal(width.size))
    w = np.clip(side * np.sqrt(ratio), 2.0, width)
    h = np.clip(side / np.sqrt(ratio), 2.0, height)
    x = rng.uniform(0.0, 1.0, width.size) * (width - w)
    y = rng.uniform(0.0, 1.0, height.size) * (height - h)
    return x, y, w, h


def simulate_labels(
    tasks: pd.DataFrame,
    truth: pd.DataFrame,
    task_width: np.ndarray,
    task_height: np.ndarray,
    params: dict[str, np.ndarray],
    noise: ProgramNoise,
    rng: np.random.Generator,
    drafts: DraftBoard | None = None,
    draft_rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Labels submitted for `tasks` (see the module doc for the behaviour model).

    tasks: task rows with annotator_index, item_id, day (the task order is kept).
    truth: true objects sorted by item_id with ann_id, class_id, x, y, w, h, area, occluded,
        truncated. task_width / task_height: the item size of each task.
    drafts / draft_rng: the detector's drafts the annotators see and the stream of their
        keep-or-redraw decisions (both or neither).
    Returns a dict of equal-length arrays, one entry per label, sorted by task_row: task_row
    (0-based row in tasks), source_row (row in truth of the object labelled, -1 for a spurious
    box), class_id, x, y, w, h, occluded, truncated; with drafts also draft_row (the draft kept
    as this label, -1 = drawn by the annotator).
    """
    n_tasks = len(tasks)
    annotator = tasks["annotator_index"].to_numpy()
    day = tasks["day"].to_numpy().astype(float)
    active = day >= params["fault_onset"][annotator]
    degradation = drift_degradation(
        day, params["drift_onset"][annotator], params["drift_ramp"][annotator]
    )
    spam_task = active & (rng.random(n_tasks) < params["spam"][annotator])

    truth_item = truth["item_id"].to_numpy()
    task_item = tasks["item_id"].to_numpy()
    first = np.searchsorted(truth_item, task_item, side="left")
    n_truth = np.searchsorted(truth_item, task_item, side="right") - first
    counts = np.where(spam_task, 0, n_truth)
    row_task = np.repeat(np.arange(n_tasks), counts)
    row_offset = np.arange(row_task.size) - np.repeat(np.cumsum(counts) - counts, counts)
    obj = np.repeat(first, counts) + row_offset
    n_rows = obj.size

    a = annotator[row_task]
    level = degradation[row_task]
    row_active = active[row_task]
    true_class = truth["class_id"].to_numpy()[obj]
    small = truth["area"].to_numpy()[obj] < noise.small_area
    ambiguous = (
        true_class == noise.ambiguous_class_id
        if noise.ambiguous_class_id is not None
        else np.zeros(n_rows, dtype=bool)
    )

    miss_p = params["miss"][a] + level * params["drift_miss"][a]
    miss_p = miss_p + (row_active & small) * params["small_miss"][a]
    kept = rng.random(n_rows) >= np.clip(miss_p, 0.0, 1.0)

    label = true_class.copy()
    swap_a, swap_b = params["swap_a"][a], params["swap_b"][a]
    in_pair = row_active & ((label == swap_a) | (label == swap_b))
    swapped = in_pair & (rng.random(n_rows) < params["swap_rate"][a])
    label = np.where(swapped, swap_a + swap_b - label, label)
    noise_p = params["class_noise"][a] + level * params["drift_noise"][a]
    noisy = rng.random(n_rows) < noise_p
    label = np.where(noisy, _other_class(true_class, noise.n_classes, rng), label)
    confused = ambiguous & (rng.random(n_rows) < noise.ambiguous_class_noise)
    label = np.where(confused, _other_class(true_class, noise.n_classes, rng), label)

    tx, ty = truth["x"].to_numpy()[obj], truth["y"].to_numpy()[obj]
    tw, th = truth["w"].to_numpy()[obj], truth["h"].to_numpy()[obj]
    scale = np.where(row_active, rng.uniform(params["scale_low"][a], params["scale_high"][a]), 1.0)
    jitter = params["box_jitter"][a] + level * params["drift_jitter"][a]
    jitter = jitter + ambiguous * noise.ambiguous_box_jitter
    edge_noise = rng.standard_normal((4, n_rows)) * jitter
    cx, cy = tx + tw / 2, ty + th / 2
    half_w, half_h = tw * scale / 2, th * scale / 2
    img_w, img_h = task_width[row_task], task_height[row_task]
    x1 = np.clip(cx - half_w + edge_noise[0] * tw, 0.0, img_w)
    x2 = np.clip(cx + half_w + edge_noise[1] * tw, 0.0, img_w)
    y1 = np.clip(cy - half_h + edge_noise[2] * th, 0.0, img_h)
    y2 = np.clip(cy + half_h + edge_noise[3] * th, 0.0, img_h)
    left, right = np.minimum(x1, x2), np.maximum(x1, x2)
    top, bottom = np.minimum(y1, y2), np.maximum(y1, y2)
    kept &= (right - left >= 1.0) & (bottom - top >= 1.0)

    flag_error = params["flag_error"][a]
    occluded = truth["occluded"].to_numpy(dtype=bool)[obj] ^ (rng.random(n_rows) < flag_error)
    truncated = truth["truncated"].to_numpy(dtype=bool)[obj] ^ (rng.random(n_rows) < flag_error)

    spurious = _spurious_labels(
        n_truth, spam_task, degradation, annotator, task_width, task_height, params, noise, rng
    )
    labelled = {
        "task_row": row_task,
        "source_row": obj,
        "class_id": label.astype(np.int64),
        "x": left,
        "y": top,
        "w": right - left,
        "h": bottom - top,
        "occluded": occluded,
        "truncated": truncated,
    }
    parts = [labelled, spurious]
    if drafts is not None and draft_rng is not None:
        own = {**labelled, "kept": kept}
        taken, omitted = object_drafts_kept(drafts, obj, a, own, params, draft_rng)
        kept = (kept & ~omitted) | (taken >= 0)
        _take_drafts(labelled, taken, drafts)
        spurious["draft_row"] = np.full(spurious["task_row"].size, -1, dtype=np.int64)
        parts.append(
            background_drafts_kept(drafts, task_item, spam_task, annotator, params, draft_rng)
        )
    parts[0] = {key: values[kept] for key, values in labelled.items()}
    # Every part is sorted by task_row already; a stable sort just interleaves the runs.
    order = np.argsort(np.concatenate([p["task_row"] for p in parts]), kind="stable")
    return {key: np.concatenate([p[key] for p in parts])[order] for key in parts[0]}


def _take_drafts(labelled: dict[str, np.ndarray], taken: np.ndarray, drafts: DraftBoard) -> None:
    """Replace the box and class of rows whose draft was kept by the draft's (in place)."""
    labelled["draft_row"] = taken
    rows = np.flatnonzero(taken >= 0)
    draft = taken[rows]
    for key, source in (
        ("class_id", drafts.class_id),
        ("x", drafts.x),
        ("y", drafts.y),
        ("w", drafts.w),
        ("h", drafts.h),
    ):
        labelled[key][rows] = source[draft]


def _spurious_labels(
    n_truth: np.ndarray,
    spam_task: np.ndarray,
    degradation: np.ndarray,
    annotator: np.ndarray,
    task_width: np.ndarray,
    task_height: np.ndarray,
    params: dict[str, np.ndarray],
    noise: ProgramNoise,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """False positives on ordinary tasks and the random boxes of spam tasks."""
    fp_mean = params["false_positive"][annotator] * (1.0 + degradation)
    n_false = rng.poisson(fp_mean)
    # A spammer submits about as many boxes as there are objects, so counts alone look normal.
    n_spam = 1 + rng.poisson(np.maximum(n_truth, 1))
    counts = np.where(spam_task, n_spam, n_false)
    row_task = np.repeat(np.arange(counts.size), counts)
    x, y, w, h = _random_boxes(
        task_width[row_task].astype(float), task_height[row_task].astype(float), rng
    )
    n_rows = row_task.size
    return {
        "task_row": row_task,
        "source_row": np.full(n_rows, NO_SOURCE, dtype=np.int64),
        "class_id": rng.integers(0, noise.n_classes, n_rows).astype(np.int64),
        "x": x,
        "y": y,
        "w": w,
        "h": h,
        "occluded": rng.random(n_rows) < 0.1,
        "truncated": np.zeros(n_rows, dtype=bool),
    }


def simulate_labels_in_chunks(
    tasks: pd.DataFrame,
    truth: pd.DataFrame,
    task_width: np.ndarray,
    task_height: np.ndarray,
    params: dict[str, np.ndarray],
    noise: ProgramNoise,
    rng: np.random.Generator,
    max_rows: int = 1_000_000,
    drafts: DraftBoard | None = None,
    draft_rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """`simulate_labels` over consecutive task ranges of about max_rows (task, object) rows.

    Same output as one call in layout; bounds peak memory at large scale (a 200k-item program
    has about 4 M rows and some 30 row-sized temporaries). The ranges depend only on the data,
    so results stay deterministic.
    """
    truth_item = truth["item_id"].to_numpy()
    task_item = tasks["item_id"].to_numpy()
    n_truth = np.searchsorted(truth_item, task_item, side="right") - np.searchsorted(
        truth_item, task_item, side="left"
    )
    rows_before = np.cumsum(n_truth)
    total = int(rows_before[-1]) if rows_before.size else 0
    cuts = np.searchsorted(rows_before, np.arange(max_rows, total, max_rows), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(tasks)]]))
    parts = []
    for start, stop in itertools.pairwise(bounds):
        part = simulate_labels(
            tasks.iloc[start:stop],
            truth,
            task_width[start:stop],
            task_height[start:stop],
            params,
            noise,
            rng,
            drafts,
            draft_rng,
        )
        part["task_row"] = part["task_row"] + start
        parts.append(part)
    if not parts:
        return simulate_labels(
            tasks, truth, task_width, task_height, params, noise, rng, drafts, draft_rng
        )
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
