"""Who labels what, in which order, and when: overlap, honeypot injection, working-hour clocks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from labelqc.simulate.spec import ProgramSpec

_ASSIGN_CHUNK = 50_000
_SECONDS_PER_HOUR = 3600.0


def release_days(n_regular: int, n_days: int) -> np.ndarray:
    """Day index (0..n_days-1) of each regular item, items released evenly in id order."""
    return (np.arange(n_regular, dtype=np.int64) * n_days) // max(n_regular, 1)


def assign_overlap(
    n_regular: int, throughput: np.ndarray, overlap: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct annotators per regular item, weighted by throughput.

    Each item gets k ~ U{overlap} annotators drawn without replacement with probability
    proportional to throughput (Gumbel top-k). Returns (item_index, annotator_index) pairs
    sorted by item_index.
    """
    low, high = overlap
    n_annotators = throughput.size
    k = rng.integers(low, high + 1, n_regular)
    log_weight = np.log(throughput).astype(np.float32)
    item_parts, annotator_parts = [], []
    for start in range(0, n_regular, _ASSIGN_CHUNK):
        stop = min(start + _ASSIGN_CHUNK, n_regular)
        keys = log_weight[None, :] + rng.gumbel(size=(stop - start, n_annotators)).astype(
            np.float32
        )
        if high < n_annotators:
            top = np.argpartition(-keys, high - 1, axis=1)[:, :high]
        else:
            top = np.broadcast_to(np.arange(n_annotators), (stop - start, n_annotators))
        top_keys = np.take_along_axis(keys, top, axis=1)
        ranked = np.take_along_axis(top, np.argsort(-top_keys, axis=1, kind="stable"), axis=1)
        take = np.arange(high)[None, :] < k[start:stop, None]
        rows = np.broadcast_to(np.arange(start, stop)[:, None], take.shape)
        item_parts.append(rows[take])
        annotator_parts.append(ranked[take])
    if not item_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return (
        np.concatenate(item_parts).astype(np.int64),
        np.concatenate(annotator_parts).astype(np.int64),
    )


def build_tasks(spec: ProgramSpec, items: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every annotator's queue: honeypot gold items first and at random, regular items by day.

    `items` needs item_id, is_gold, day, sorted by item_id. Returns one row per task: task_id
    (1..), item_id, annotator_id, annotator_index (position in spec.annotators), seq_index
    (0-based position in that annotator's queue), day, is_gold; sorted by annotator then seq.
    """
    gold_ids = items.loc[items["is_gold"], "item_id"].to_numpy(dtype=np.int64)
    regular = items.loc[~items["is_gold"]]
    regular_ids = regular["item_id"].to_numpy(dtype=np.int64)
    regular_days = regular["day"].to_numpy(dtype=np.int64)
    throughput = np.array([a.throughput for a in spec.annotators], dtype=float)
    item_index, annotator_index = assign_overlap(regular_ids.size, throughput, spec.overlap, rng)
    by_annotator = np.argsort(annotator_index, kind="stable")
    bounds = np.searchsorted(annotator_index[by_annotator], np.arange(throughput.size + 1))

    frames = []
    # One iteration per annotator (tens to hundreds), each fully vectorized over its queue.
    for a_index, annotator in enumerate(spec.annotators):
        mine = item_index[by_annotator[bounds[a_index] : bounds[a_index + 1]]]
        mine = mine[np.lexsort((regular_ids[mine], regular_days[mine]))]
        r_items, r_days = regular_ids[mine], regular_days[mine]
        gold_order = rng.permutation(gold_ids)
        n_first = min(spec.gold_first_n, gold_order.size)
        inject = rng.random(r_items.size) < spec.gold_rate
        inject &= np.cumsum(inject) <= gold_order.size - n_first
        n_injected = int(inject.sum())
        first_day = r_days[0] if r_days.size else 0
        # Sort keys: opening golds before everything, an injected gold just before its slot.
        keys = np.concatenate(
            [
                np.arange(n_first) - n_first - 1.0,
                np.flatnonzero(inject) * 2.0,
                np.arange(r_items.size) * 2.0 + 1.0,
            ]
        )
        queue_items = np.concatenate(
            [gold_order[:n_first], gold_order[n_first : n_first + n_injected], r_items]
        )
        queue_days = np.concatenate([np.full(n_first, first_day), r_days[inject], r_days]).astype(
            np.int64
        )
        queue_gold = np.concatenate(
            [np.ones(n_first + n_injected, dtype=bool), np.zeros(r_items.size, dtype=bool)]
        )
        order = np.argsort(keys, kind="stable")
        frames.append(
            pd.DataFrame(
                {
                    "item_id": queue_items[order],
                    "annotator_id": annotator.annotator_id,
                    "annotator_index": a_index,
                    "seq_index": np.arange(order.size, dtype=np.int64),
                    "day": queue_days[order],
                    "is_gold": queue_gold[order],
                }
            )
        )
    tasks = pd.concat(frames, ignore_index=True)
    tasks.insert(0, "task_id", np.arange(1, len(tasks) + 1, dtype=np.int64))
    return tasks


def day_dates(start_date: str, days: np.ndarray) -> np.ndarray:
    """Calendar date (datetime64[D]) of working day indices: Monday-Friday from start_date."""
    return np.busday_offset(np.datetime64(start_date, "D"), days, roll="forward")


def task_clock(
    tasks: pd.DataFrame, time_spent_s: np.ndarray, spec: ProgramSpec, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """UTC start time of each task (datetime64[ns], whole ms) and its on-clock duration (s).

    Tasks must be sorted by annotator then seq_index. Within an (annotator, day) the tasks run
    back to back from a start 0-45 min after opening, with 5-90 s between tasks; when the day's
    work would run past closing time, the offsets are compressed proportionally so every
    timestamp stays within working hours. The on-clock duration is time_spent_s times that
    compression (time_spent_s itself is left as drawn): start + duration is still in hours.
    """
    n = len(tasks)
    open_s = spec.work_hours[0] * _SECONDS_PER_HOUR
    window_s = (spec.work_hours[1] - spec.work_hours[0]) * _SECONDS_PER_HOUR
    annotator = tasks["annotator_id"].to_numpy()
    day = tasks["day"].to_numpy()
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (annotator[1:] != annotator[:-1]) | (day[1:] != day[:-1])
    group = np.cumsum(new_group) - 1
    n_groups = int(group[-1]) + 1 if n else 0
    lead_in = rng.uniform(0.0, 45 * 60.0, n_groups)
    step = time_spent_s + rng.uniform(5.0, 90.0, n)
    ends = np.cumsum(step)
    group_base = np.zeros(n_groups)
    group_base[1:] = ends[np.flatnonzero(new_group)[1:] - 1]
    start_in_group = ends - step - group_base[group]
    group_total = np.bincount(group, weights=step, minlength=n_groups) + lead_in
    squeeze = np.minimum(1.0, 0.999 * window_s / np.maximum(group_total, 1e-9))
    offset = (lead_in[group] + start_in_group) * squeeze[group]
    dates = day_dates(spec.start_date, day).astype("datetime64[ns]")
    # Millisecond resolution: what databases and exports keep, and readable in the demo.
    starts = dates + np.round((open_s + offset) * 1e3).astype("timedelta64[ms]")
    return starts, time_spent_s * squeeze[group]
