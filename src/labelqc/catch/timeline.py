"""Each annotator's queue as one sorted timeline, and the vectorized window helpers over it.

Every per-annotator signal produces one state per timeline row (the annotator's task in queue
order): a statistic, its bound and whether the rule fires after that task. Evidence arrives at
some rows (honeypots, comparisons with co-annotators) and a state holds until new evidence
replaces it, so states are forward-filled within an annotator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from labelqc.catch.view import ServiceView


@dataclass(frozen=True, eq=False)
class Timeline:
    """Tasks sorted by annotator then ``seq_index``; row i of every signal array is task i.

    ``tasks``: ``task_id, item_id, annotator_id, seq_index, is_gold, started_at`` (positional
    index 0..n-1). ``first_row``: per row, the row of its annotator's first task.
    ``time_ms``: ``started_at`` as int64 milliseconds since the program's first task.
    """

    tasks: pd.DataFrame
    first_row: np.ndarray
    time_ms: np.ndarray
    origin: pd.Timestamp

    @property
    def n_rows(self) -> int:
        """Number of tasks."""
        return len(self.tasks)


def build_timeline(view: ServiceView) -> Timeline:
    """Sort the view's tasks into the timeline (see :class:`Timeline`)."""
    tasks = view.tasks.sort_values(["annotator_id", "seq_index"], kind="stable").reset_index(
        drop=True
    )
    annotators = tasks["annotator_id"].to_numpy()
    new_annotator = np.r_[True, annotators[1:] != annotators[:-1]] if len(tasks) else np.zeros(0)
    first_row = np.maximum.accumulate(np.where(new_annotator, np.arange(len(tasks)), 0))
    started = tasks["started_at"]
    origin = started.min() if len(tasks) else pd.Timestamp(0, tz="UTC")
    time_ms = ((started - origin).dt.total_seconds().to_numpy() * 1e3).round().astype(np.int64)
    return Timeline(
        tasks=tasks, first_row=first_row.astype(np.int64), time_ms=time_ms, origin=origin
    )


def row_first(codes: np.ndarray) -> np.ndarray:
    """For rows sorted by ``codes``, the position of the first row of each row's run."""
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    new_run = np.r_[True, codes[1:] != codes[:-1]]
    return np.maximum.accumulate(np.where(new_run, np.arange(codes.size), 0)).astype(np.int64)


def rolling_sums(values: np.ndarray, first: np.ndarray, window: int) -> np.ndarray:
    """Sum of ``values`` rows ``max(first[i], i - window + 1) .. i`` for every row i.

    ``values``: (n,) or (n, m) rows sorted by group; ``first``: first row of each row's group.
    """
    array = np.asarray(values, dtype=np.float64)
    flat = array.reshape(array.shape[0], int(np.prod(array.shape[1:], dtype=np.int64)))
    cumulative = np.vstack([np.zeros((1, flat.shape[1])), np.cumsum(flat, axis=0)])
    rows = np.arange(flat.shape[0])
    start = np.maximum(first, rows - window + 1)
    sums = cumulative[rows + 1] - cumulative[start]
    return sums.reshape(array.shape)


def one_sided_level(z: float) -> float:
    """Confidence level of a one-sided bound at normal quantile ``z`` (2.33 -> 0.99)."""
    return float(norm.cdf(z))
