"""What the QA service sees of a program: the only input the catch detector accepts.

The service knows its queues (who got which item, in which order, when), the labels submitted
and the truth of its gold items. A simulation also knows which true object every label came
from, each task's true quality and the truth of every item: :func:`service_view` drops those,
and :class:`ServiceView` refuses frames that carry them, so no signal can read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.simulate import SimulatedProgram

TASK_COLUMNS = ("task_id", "item_id", "annotator_id", "seq_index", "is_gold", "started_at")
ANNOTATION_COLUMNS = ("item_id", "annotator_id", "class_id", "x", "y", "w", "h")
GOLD_COLUMNS = ("item_id", "class_id", "x", "y", "w", "h")
SIMULATION_ONLY = frozenset({"source_ann_id", "draft_id", "task_quality", "source_image"})


class ViewInputError(ValueError):
    """A service frame is missing a column, carries simulation-only knowledge or is malformed."""


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ViewInputError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ViewInputError(f"{name}: missing required column(s) {missing}")
    leaked = sorted(SIMULATION_ONLY & set(frame.columns))
    if leaked:
        raise ViewInputError(f"{name}: carries simulation-only column(s) {leaked}")


@dataclass(frozen=True)
class ServiceView:
    """Service-visible frames of one program.

    ``tasks``: one row per (annotator, item) assignment: ``task_id, item_id, annotator_id,
    seq_index`` (0-based position in the annotator's queue), ``is_gold`` (a honeypot),
    ``started_at`` (tz-aware UTC). ``annotations``: canonical labels (``item_id, annotator_id,
    class_id, x, y, w, h``, optional ``task_id``, ``created_at``). ``gold``: truth of the gold
    items only (canonical gold frame). Validation checks columns, unique (annotator, seq) and
    that gold covers only honeypot items.
    """

    tasks: pd.DataFrame
    annotations: pd.DataFrame
    gold: pd.DataFrame

    def __post_init__(self) -> None:
        _require(self.tasks, TASK_COLUMNS, "tasks")
        _require(self.annotations, ANNOTATION_COLUMNS, "annotations")
        _require(self.gold, GOLD_COLUMNS, "gold")
        if not isinstance(self.tasks["started_at"].dtype, pd.DatetimeTZDtype):
            dtype = self.tasks["started_at"].dtype
            raise ViewInputError(f"tasks.started_at: expected tz-aware datetimes, got {dtype}")
        if self.tasks["started_at"].isna().any():
            raise ViewInputError("tasks.started_at: every task needs a start time")
        keys = self.tasks[["annotator_id", "seq_index"]]
        if keys.duplicated().any():
            row = keys[keys.duplicated()].iloc[0]
            raise ViewInputError(
                f"tasks: annotator {int(row['annotator_id'])} has seq_index "
                f"{int(row['seq_index'])} twice"
            )
        honeypots = self.tasks.loc[self.tasks["is_gold"].astype(bool), "item_id"].unique()
        outside = ~np.isin(self.gold["item_id"].to_numpy(), honeypots)
        if outside.any():
            item = int(self.gold["item_id"].to_numpy()[outside][0])
            raise ViewInputError(
                f"gold.item_id: item {item} has gold but is not a honeypot of any queue "
                "(truth of regular items is not service knowledge)"
            )

    @property
    def gold_item_ids(self) -> np.ndarray:
        """Sorted ids of the honeypot items (gold items served in some queue)."""
        return np.unique(self.tasks.loc[self.tasks["is_gold"].astype(bool), "item_id"].to_numpy())


def service_view(program: SimulatedProgram) -> ServiceView:
    """The service-visible part of a simulated program (simulation-only columns dropped).

    Gold truth is restricted to gold items that some queue served as a honeypot.
    """
    tasks = program.tasks.loc[:, [*TASK_COLUMNS, "time_spent_s"]]
    keep = [c for c in program.annotations.columns if c not in SIMULATION_ONLY]
    served = np.unique(tasks.loc[tasks["is_gold"], "item_id"].to_numpy())
    gold = program.gold[program.gold["item_id"].isin(served)].reset_index(drop=True)
    return ServiceView(
        tasks=tasks.reset_index(drop=True),
        annotations=program.annotations.loc[:, keep].reset_index(drop=True),
        gold=gold,
    )
