"""simulate_program: a whole labeling program as canonical frames, with its planted faults."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.simulate.behaviour import (
    NO_SOURCE,
    ProgramNoise,
    profile_arrays,
    simulate_labels_in_chunks,
)
from labelqc.simulate.drafts import date_drafts, draft_board, empty_drafts, simulate_drafts
from labelqc.simulate.image_objects import GOLD_ANNOTATOR_ID, crop_items_from_images
from labelqc.simulate.review import simulate_reviews, task_quality
from labelqc.simulate.schedule import build_tasks, release_days, task_clock
from labelqc.simulate.spec import ProgramSpec
from labelqc.simulate.synthetic import synthetic_objects

ANNOTATION_COLUMNS = (
    "ann_id",
    "task_id",
    "item_id",
    "annotator_id",
    "cohort_id",
    "class_id",
    "x",
    "y",
    "w",
    "h",
    "area",
    "rle",
    "occluded",
    "truncated",
    "created_at",
    "time_spent_s",
    "source_ann_id",
)
FAULT_COLUMNS = (
    "annotator_id",
    "fault",
    "onset_day",
    "onset_index",
    "onset_at",
    "manifested",
    "detail",
)


@dataclass(frozen=True)
class SimulatedProgram:
    """All frames of one simulated program (columns listed in docs/simulator.md).

    items: item_id, width, height, scene_tags, is_gold, day (+ source_image for photos).
    truth: every item's true objects (annotator_id -1); gold: truth of the gold items only.
    tasks: one row per (annotator, item) assignment in queue order, with started_at,
        time_spent_s, n_labels, task_quality.
    annotations: submitted labels (source_ann_id = true object labelled, -1 = spurious; with a
        detector also draft_id = the draft kept as this label, -1 = drawn by the annotator).
    annotators / cohorts: who labelled, in which contract. reviews: decisions per cycle.
    faults: the planted faults with their onset.
    drafts: the detector's drafts the annotators saw (no rows without spec.detector).
    """

    spec: ProgramSpec
    class_names: dict[int, str]
    items: pd.DataFrame
    truth: pd.DataFrame
    gold: pd.DataFrame
    tasks: pd.DataFrame
    annotations: pd.DataFrame
    annotators: pd.DataFrame
    cohorts: pd.DataFrame
    reviews: pd.DataFrame
    faults: pd.DataFrame
    drafts: pd.DataFrame


def _ground_truth(
    spec: ProgramSpec,
    images: Sequence[np.ndarray] | None,
    image_names: Sequence[str] | None,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if images is not None:
        items, truth = crop_items_from_images(
            images, spec.n_items, rng, image_names=image_names, first_item_id=1
        )
    else:
        generated = synthetic_objects(spec.n_items, rng, spec.scene, first_item_id=1)
        items, truth = generated.items, generated.objects
    truth = truth.sort_values(["item_id", "ann_id"], kind="stable").reset_index(drop=True)
    truth["ann_id"] = np.arange(1, len(truth) + 1, dtype=np.int64)
    truth["annotator_id"] = GOLD_ANNOTATOR_ID
    return items.sort_values("item_id", kind="stable").reset_index(drop=True), truth


def _schedule_items(spec: ProgramSpec, items: pd.DataFrame) -> pd.DataFrame:
    n_gold = spec.resolved_gold_pool_size()
    items = items.copy()
    is_gold = np.zeros(len(items), dtype=bool)
    is_gold[:n_gold] = True
    day = np.zeros(len(items), dtype=np.int64)
    day[n_gold:] = release_days(len(items) - n_gold, spec.n_days)
    items["is_gold"] = is_gold
    items["day"] = day
    leading = ["item_id", "width", "height", "scene_tags", "is_gold", "day"]
    return items[leading + [c for c in items.columns if c not in leading]]


def _faults_frame(spec: ProgramSpec, tasks: pd.DataFrame) -> pd.DataFrame:
    """One row per (annotator, planted fault): onset day, first task index and time from then."""
    rows = []
    seq = tasks["seq_index"].to_numpy()
    day = tasks["day"].to_numpy()
    started = tasks["started_at"]
    owner = tasks["annotator_id"].to_numpy()
    for annotator in spec.annotators:
        kinds = annotator.profile.fault_kinds()
        if spec.detector is None:  # nothing to over-trust without drafts
            kinds = tuple(kind for kind in kinds if kind != "automation_bias")
        if not kinds:
            continue
        mine = owner == annotator.annotator_id
        for kind in kinds:
            onset_day = annotator.profile.onset_day(kind)
            after = np.flatnonzero(mine & (day >= onset_day))
            first = after[np.argmin(seq[after])] if after.size else None
            rows.append(
                {
                    "annotator_id": annotator.annotator_id,
                    "fault": kind,
                    "onset_day": onset_day,
                    "onset_index": None if first is None else int(seq[first]),
                    "onset_at": pd.NaT if first is None else started.iloc[first],
                    "manifested": first is not None,
                    "detail": annotator.profile.name,
                }
            )
    faults = pd.DataFrame(rows, columns=list(FAULT_COLUMNS))
    faults["annotator_id"] = faults["annotator_id"].astype(np.int64)
    faults["onset_day"] = faults["onset_day"].astype(np.int64)
    faults["onset_index"] = faults["onset_index"].astype("Int64")
    faults["onset_at"] = pd.to_datetime(faults["onset_at"], utc=True)
    faults["manifested"] = faults["manifested"].astype(bool)
    return faults


def simulate_program(
    spec: ProgramSpec,
    images: Sequence[np.ndarray] | None = None,
    image_names: Sequence[str] | None = None,
) -> SimulatedProgram:
    """Simulate a labeling program deterministically from spec.seed.

    images: real photos (arrays) to cut items from, ground truth by `objects_from_image`'s
    pipeline; None = synthetic scenes from spec.scene (the path that scales to 200k items).
    Same spec (and images) -> identical frames. See docs/simulator.md for the model.
    """
    gt_rng, schedule_rng, label_rng, clock_rng, review_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(spec.seed).spawn(5)
    )
    items, truth = _ground_truth(spec, images, image_names, gt_rng)
    items = _schedule_items(spec, items)
    tasks = build_tasks(spec, items, schedule_rng)
    drafts, board, decision_rng = empty_drafts(), None, None
    if spec.detector is not None:
        # A sixth child of the program's seed (the five above stay as they were), one level
        # down by the detector's seed so that both seeds matter.
        draft_seq = np.random.SeedSequence(spec.seed, spawn_key=(5, spec.detector.seed))
        detector_rng, decision_rng = (np.random.default_rng(s) for s in draft_seq.spawn(2))
        drafts = simulate_drafts(
            truth, items, range(len(spec.class_names)), spec.detector, detector_rng
        )
        board = draft_board(drafts, truth)

    item_pos = np.searchsorted(items["item_id"].to_numpy(), tasks["item_id"].to_numpy())
    task_w = items["width"].to_numpy(dtype=float)[item_pos]
    task_h = items["height"].to_numpy(dtype=float)[item_pos]
    params = profile_arrays([a.profile for a in spec.annotators])
    noise = ProgramNoise(
        n_classes=len(spec.class_names),
        ambiguous_class_id=spec.ambiguous_class_id,
        ambiguous_class_noise=spec.ambiguous_class_noise,
        ambiguous_box_jitter=spec.ambiguous_box_jitter,
        small_area=spec.small_area,
    )
    labels = simulate_labels_in_chunks(
        tasks,
        truth,
        task_w,
        task_h,
        params,
        noise,
        label_rng,
        drafts=board,
        draft_rng=decision_rng,
    )

    n_tasks = len(tasks)
    task_row = labels["task_row"]
    n_labels = np.bincount(task_row, minlength=n_tasks)
    a_index = tasks["annotator_index"].to_numpy()
    expected_s = (
        params["seconds_per_task"][a_index] + params["seconds_per_object"][a_index] * n_labels
    )
    if board is not None:  # a kept draft is checked, not drawn
        n_kept = np.bincount(task_row[labels["draft_row"] >= 0], minlength=n_tasks)
        expected_s = expected_s + n_kept * (
            params["seconds_per_kept_draft"][a_index] - params["seconds_per_object"][a_index]
        )
    time_spent = np.round(expected_s * np.exp(0.3 * clock_rng.standard_normal(n_tasks)), 1)
    started, on_clock = task_clock(tasks, time_spent, spec, clock_rng)
    truth_item = truth["item_id"].to_numpy()
    n_truth = np.searchsorted(
        truth_item, tasks["item_id"].to_numpy(), side="right"
    ) - np.searchsorted(truth_item, tasks["item_id"].to_numpy(), side="left")
    quality = task_quality(n_tasks, labels, truth, n_truth)
    tasks = tasks.assign(
        started_at=pd.to_datetime(started, utc=True),
        time_spent_s=time_spent,
        n_labels=n_labels,
        task_quality=quality,
    )
    submitted = started + np.round(on_clock * 1e3).astype("timedelta64[ms]")
    reviews = simulate_reviews(tasks, quality, submitted, spec, review_rng)

    # Labels in a task are stamped evenly across the task's on-clock duration.
    n_rows = task_row.size
    truth_ann_ids = truth["ann_id"].to_numpy()
    rank = np.arange(n_rows) - np.repeat(np.cumsum(n_labels) - n_labels, n_labels)
    fraction = (rank + 1) / (n_labels[task_row] + 1)
    created = started[task_row] + np.floor(on_clock[task_row] * fraction * 1e3).astype(
        "timedelta64[ms]"
    )
    annotator_ids = tasks["annotator_id"].to_numpy()[task_row]
    cohort_lookup = np.array([a.cohort_id for a in spec.annotators], dtype=np.int64)
    annotations = pd.DataFrame(
        {
            "ann_id": np.arange(1, n_rows + 1, dtype=np.int64),
            "task_id": tasks["task_id"].to_numpy()[task_row],
            "item_id": tasks["item_id"].to_numpy()[task_row],
            "annotator_id": annotator_ids,
            "cohort_id": cohort_lookup[a_index[task_row]],
            "class_id": labels["class_id"],
            "x": labels["x"],
            "y": labels["y"],
            "w": labels["w"],
            "h": labels["h"],
            "area": labels["w"] * labels["h"],
            "rle": np.full(n_rows, None, dtype=object),
            "occluded": labels["occluded"],
            "truncated": labels["truncated"],
            "created_at": pd.to_datetime(created, utc=True),
            # The task's time split evenly over its labels, so sums per task stay exact.
            "time_spent_s": time_spent[task_row] / n_labels[task_row],
            "source_ann_id": np.where(
                labels["source_row"] >= 0, truth_ann_ids[labels["source_row"]], NO_SOURCE
            ),
        },
        columns=list(ANNOTATION_COLUMNS),
        copy=False,
    )
    if board is not None:
        # draft_id is the draft's row + 1 (simulate_drafts numbers them in row order).
        annotations["draft_id"] = np.where(labels["draft_row"] >= 0, labels["draft_row"] + 1, -1)
        drafts = date_drafts(drafts, tasks["item_id"].to_numpy(), started)
    annotators = pd.DataFrame(
        {
            "annotator_id": [a.annotator_id for a in spec.annotators],
            "name": [a.name for a in spec.annotators],
            "cohort_id": [a.cohort_id for a in spec.annotators],
            "profile": [a.profile.name for a in spec.annotators],
            "throughput": [a.throughput for a in spec.annotators],
        }
    )
    cohorts = pd.DataFrame(
        {
            "cohort_id": [c.cohort_id for c in spec.cohorts],
            "name": [c.name for c in spec.cohorts],
            "kind": [c.kind for c in spec.cohorts],
            "vendor": [c.vendor for c in spec.cohorts],
        }
    )
    gold_items = items.loc[items["is_gold"], "item_id"].to_numpy()
    gold = truth[truth["item_id"].isin(gold_items)].reset_index(drop=True)
    return SimulatedProgram(
        spec=spec,
        class_names=dict(enumerate(spec.class_names)),
        items=items,
        truth=truth,
        gold=gold,
        tasks=tasks.drop(columns=["annotator_index"]),
        annotations=annotations,
        annotators=annotators,
        cohorts=cohorts,
        reviews=reviews,
        faults=_faults_frame(spec, tasks),
        drafts=drafts,
    )
