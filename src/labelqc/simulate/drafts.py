"""The detector's drafts inside a program ("AI drafts, humans edit"), and what annotators keep.

`simulate_drafts` runs the simulated detector over the program's truth and numbers its boxes.
The label model then, per (task, true object) row, compares the object's draft with the label
the annotator would draw themselves (their own label is simulated first, unchanged, so a program
with drafts differs from one without only where a draft was kept): an agreeing draft is kept
with `draft_trust`, any other with `wrong_draft_trust` (see AnnotatorProfile). A kept draft
replaces the annotator's label for that object, box and class. Per task, each draft on
background is kept with `spurious_draft_trust`, and objects without a draft are missed with an
extra `undrafted_miss_rate`. Drafts are matched to objects by provenance: the detector records
which true object each draft came from, which is exact and linear, where an IoU search would be
quadratic per item; the IoU with that object says how wrong the draft is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.geometry.boxes import iou_of_columns
from labelqc.simulate.detector import DetectorSpec, simulate_detector

DRAFT_COLUMNS = (
    "draft_id",
    "item_id",
    "class_id",
    "x",
    "y",
    "w",
    "h",
    "score",
    "source_ann_id",
    "iou",
    "created_at",
)
# Drafts are imported this long before the first annotator opens the item.
DRAFT_LEAD = np.timedelta64(3_600_000, "ms")
NO_DRAFT = -1


@dataclass(frozen=True)
class DraftBoard:
    """Drafts laid out for the label model (rows index the program's drafts frame).

    of_truth: the draft row of each truth row, -1 where the detector missed the object.
    background: draft rows with no object under them, sorted by item; background_item: their
        item ids.
    """

    of_truth: np.ndarray
    class_id: np.ndarray
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    h: np.ndarray
    background: np.ndarray
    background_item: np.ndarray


def simulate_drafts(
    truth: pd.DataFrame,
    items: pd.DataFrame,
    class_ids: Sequence[int],
    detector: DetectorSpec,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The detector's drafts of every item, draft_id 1..n in item order (created_at left NaT).

    iou is the draft's IoU with the true object it came from (0 on background): like
    source_ann_id, simulation-only knowledge.
    """
    raw = simulate_detector(truth, items, class_ids, detector, rng=rng)
    source = raw["ann_id"].to_numpy(np.int64)
    on_object = source >= 0
    row = np.searchsorted(truth["ann_id"].to_numpy(), source[on_object])
    iou = np.zeros(len(raw))
    iou[on_object] = iou_of_columns(
        *(raw[c].to_numpy(np.float64)[on_object] for c in ("x", "y", "w", "h")),
        *(truth[c].to_numpy(np.float64)[row] for c in ("x", "y", "w", "h")),
    )
    return pd.DataFrame(
        {
            "draft_id": np.arange(1, len(raw) + 1, dtype=np.int64),
            "item_id": raw["item_id"].to_numpy(np.int64),
            "class_id": raw["class_id"].to_numpy(np.int64),
            "x": raw["x"].to_numpy(np.float64),
            "y": raw["y"].to_numpy(np.float64),
            "w": raw["w"].to_numpy(np.float64),
            "h": raw["h"].to_numpy(np.float64),
            "score": raw["score"].to_numpy(np.float64),
            "source_ann_id": source,
            "iou": iou,
            "created_at": pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]"),
        },
        columns=list(DRAFT_COLUMNS),
    )


def empty_drafts() -> pd.DataFrame:
    """The drafts frame of a program without a detector: no rows, the usual columns."""
    frame = pd.DataFrame({name: np.empty(0, dtype=np.int64) for name in DRAFT_COLUMNS})
    floats = {name: np.float64 for name in ("x", "y", "w", "h", "score", "iou")}
    return frame.astype(floats).astype({"created_at": "datetime64[ns, UTC]"})


def date_drafts(drafts: pd.DataFrame, task_item: np.ndarray, started: np.ndarray) -> pd.DataFrame:
    """Stamp each draft DRAFT_LEAD before the first task on its item (an item nobody opened:
    before the program's first task), so every annotator of the item saw the drafts."""
    if drafts.empty or not started.size:
        return drafts
    first = pd.Series(started).groupby(task_item).min()
    opened = first.reindex(drafts["item_id"].to_numpy()).fillna(first.min())
    return drafts.assign(created_at=pd.to_datetime(opened.to_numpy() - DRAFT_LEAD, utc=True))


def draft_board(drafts: pd.DataFrame, truth: pd.DataFrame) -> DraftBoard:
    """Index the drafts by truth row and by item (truth as in a program: sorted by ann_id)."""
    of_truth = np.full(len(truth), NO_DRAFT, dtype=np.int64)
    source = drafts["source_ann_id"].to_numpy()
    on_object = np.flatnonzero(source >= 0)
    of_truth[np.searchsorted(truth["ann_id"].to_numpy(), source[on_object])] = on_object
    background = np.flatnonzero(source < 0)
    item = drafts["item_id"].to_numpy()
    background = background[np.argsort(item[background], kind="stable")]
    return DraftBoard(
        of_truth=of_truth,
        class_id=drafts["class_id"].to_numpy(np.int64),
        x=drafts["x"].to_numpy(np.float64),
        y=drafts["y"].to_numpy(np.float64),
        w=drafts["w"].to_numpy(np.float64),
        h=drafts["h"].to_numpy(np.float64),
        background=background,
        background_item=item[background],
    )


def object_drafts_kept(
    board: DraftBoard,
    obj: np.ndarray,
    annotator: np.ndarray,
    own: dict[str, np.ndarray],
    params: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Per (task, true object) row: the draft row kept (-1 = none) and the extra undrafted miss.

    own: the label the annotator would draw: kept (they label the object at all), class_id,
    x, y, w, h. annotator: the annotator index of each row.
    """
    n_rows = obj.size
    draft = board.of_truth[obj]
    has = draft >= 0
    agree = has.copy()
    if has.any():
        at = np.where(has, draft, 0)  # rows without a draft look at draft 0, masked by `has`
        box = (board.x[at], board.y[at], board.w[at], board.h[at])
        overlap = iou_of_columns(own["x"], own["y"], own["w"], own["h"], *box)
        agree &= own["kept"] & (own["class_id"] == board.class_id[at])
        agree &= overlap >= params["draft_agree_iou"][annotator]
    trusted, doubted = params["draft_trust"][annotator], params["wrong_draft_trust"][annotator]
    kept = has & (rng.random(n_rows) < np.where(agree, trusted, doubted))
    omitted = ~has & (rng.random(n_rows) < params["undrafted_miss"][annotator])
    return np.where(kept, draft, NO_DRAFT), omitted


def background_drafts_kept(
    board: DraftBoard,
    task_item: np.ndarray,
    spam_task: np.ndarray,
    annotator: np.ndarray,
    params: dict[str, np.ndarray],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Drafts on background each task keeps, as label rows (spam tasks ignore the drafts)."""
    first = np.searchsorted(board.background_item, task_item, side="left")
    counts = np.searchsorted(board.background_item, task_item, side="right") - first
    counts = np.where(spam_task, 0, counts)
    row_task = np.repeat(np.arange(task_item.size), counts)
    offset = np.arange(row_task.size) - np.repeat(np.cumsum(counts) - counts, counts)
    draft = board.background[np.repeat(first, counts) + offset]
    keep = rng.random(row_task.size) < params["spurious_draft_trust"][annotator[row_task]]
    row_task, draft = row_task[keep], draft[keep]
    n_rows = row_task.size
    return {
        "task_row": row_task,
        "source_row": np.full(n_rows, -1, dtype=np.int64),  # no true object under it
        "class_id": board.class_id[draft],
        "x": board.x[draft],
        "y": board.y[draft],
        "w": board.w[draft],
        "h": board.h[draft],
        "occluded": np.zeros(n_rows, dtype=bool),
        "truncated": np.zeros(n_rows, dtype=bool),
        "draft_row": draft,
    }
