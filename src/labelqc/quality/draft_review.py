"""Draft review: do annotators catch the model's mistakes, or pass its drafts through?

In "AI drafts, humans edit" programs the risk is automation bias: an annotator who keeps a wrong
draft as it is adds a model error to the data with a human's approval. On gold items the truth is
known, so every draft there is either *good* (matched one-to-one to a gold object of its class at
the class's IoU threshold, the same matching as gold scoring) or *wrong*, of one of three kinds:

- ``wrong_class``: it covers a gold object of another class at that object's threshold;
- ``poor_box``: it overlaps a gold object, but not enough (a loose or tight box, or a duplicate of
  an object another draft already covers);
- ``spurious``: it overlaps no gold object (a box on background).

An annotator *kept* a draft when their final shape for it (the one-to-one IoU match the
correction-effort record stores) has the draft's class and an IoU with it of at least
``kept_iou`` (the "approved as is" bucket). A wrong draft that was kept is *passed through*.
Per annotator: the share of all reviewed drafts kept, and on gold items the pass-through rate of
wrong drafts with a Wilson interval; ``over_trusts`` is set when the interval's lower bound is
above ``max_pass_through``, so a handful of unlucky items does not flag anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from labelqc.drift.series import window_floor
from labelqc.geometry import IouThreshold, match_boxes
from labelqc.geometry.assignment import thresholds_for_classes
from labelqc.geometry.boxes import iou_of_columns
from labelqc.geometry.frames import integer_column, require_columns, validate_object_frame
from labelqc.quality.records import nullable_float, safe_ratio
from labelqc.quality.statistics import wilson_bounds

WRONG_KINDS = ("wrong_class", "poor_box", "spurious")
MAX_LISTED_ITEMS = 20
_BOX = ["x", "y", "w", "h"]


@dataclass(frozen=True)
class DraftReviewParams:
    kept_iou: float = 0.95
    max_pass_through: float = 0.25
    z: float = 1.96
    min_wrong_drafts: int = 5

    def __post_init__(self) -> None:
        if not 0.0 <= self.kept_iou <= 1.0:
            raise ValueError(f"kept_iou: must be in [0, 1], got {self.kept_iou!r}")
        if not 0.0 <= self.max_pass_through < 1.0:
            raise ValueError(f"max_pass_through: must be in [0, 1), got {self.max_pass_through!r}")
        if not self.z > 0.0:
            raise ValueError(f"z: must be > 0, got {self.z!r}")
        if self.min_wrong_drafts < 1:
            raise ValueError(f"min_wrong_drafts: must be >= 1, got {self.min_wrong_drafts!r}")


@dataclass(frozen=True)
class DraftReview:
    """``annotators``: one row per annotator who reviewed drafts (see :func:`review_drafts`).
    ``drafts``: one row per draft on a gold item: ``draft_id, item_id, class_id, status`` (good
    or a wrong kind). ``totals``: program-wide counts and rates. ``by_window`` (when a window was
    asked for): ``annotator_id, window_start, wrong_drafts, passed_through, pass_through_rate``
    per window in which the annotator met wrong drafts, for watching the habit grow."""

    annotators: pd.DataFrame
    drafts: pd.DataFrame
    totals: dict[str, Any]
    by_window: pd.DataFrame | None = None


def draft_status(
    drafts: pd.DataFrame,
    gold: pd.DataFrame,
    iou_threshold: IouThreshold,
    gold_items: Iterable[int],
) -> pd.Series:
    """'good' or a wrong kind for every draft (index = draft id) on a gold item, else absent."""
    item_ids, _, _, _ = validate_object_frame(drafts, "drafts", need_annotator=False)
    gold_item_ids, gold_classes, _, _ = validate_object_frame(gold, "gold", need_annotator=False)
    graded = np.isin(item_ids, np.union1d(np.fromiter(gold_items, np.int64), gold_item_ids))
    on_gold = drafts.loc[graded, ["item_id", "class_id", *_BOX]]
    status = pd.Series("spurious", index=on_gold.index, dtype=object)
    if on_gold.empty:
        return status
    match = match_boxes(
        gold[["item_id", "class_id", *_BOX]],
        on_gold.assign(annotator_id=0),
        iou_threshold,
        gold_items=np.unique(item_ids[graded]),
    )
    good = match.pairs["ann_index"].to_numpy()
    # Every (draft, gold object) pair on the same item: gold items hold few objects each.
    pairs = (
        on_gold.rename_axis("draft_id")
        .reset_index()
        .merge(
            gold.assign(gold_class=gold_classes)[["item_id", "gold_class", *_BOX]],
            on="item_id",
            suffixes=("", "_gold"),
        )
    )
    if not pairs.empty:
        iou = iou_of_columns(
            *(pairs[c].to_numpy(np.float64) for c in _BOX),
            *(pairs[f"{c}_gold"].to_numpy(np.float64) for c in _BOX),
        )
        threshold = thresholds_for_classes(iou_threshold, pairs["gold_class"].to_numpy())
        other_class = pairs["gold_class"].to_numpy() != pairs["class_id"].to_numpy()
        draft_ids = pairs["draft_id"].to_numpy()
        status.loc[np.unique(draft_ids[iou > 0.0])] = "poor_box"
        status.loc[np.unique(draft_ids[other_class & (iou >= threshold)])] = "wrong_class"
    status.loc[good] = "good"
    return status


def review_drafts(
    drafts: pd.DataFrame,
    decisions: pd.DataFrame,
    gold: pd.DataFrame,
    iou_threshold: IouThreshold,
    *,
    gold_items: Iterable[int],
    params: DraftReviewParams = DraftReviewParams(),
    reviewed: pd.DataFrame | None = None,
    window: str | None = None,
) -> DraftReview:
    """How each annotator handled the drafts they were shown.

    drafts: index = draft id (unique); ``item_id, class_id, x, y, w, h``.
    decisions: one row per (annotator, draft) the annotator submitted over: ``annotator_id,
    draft_id, final_class_id, iou``; ``final_class_id`` < 0 (or missing) = the draft was deleted,
    ``iou`` = IoU of the draft and its final shape (0 when deleted).
    gold: ``item_id, class_id, x, y, w, h``; gold_items: every gold item id (also those with no
    gold object, where every draft is spurious). iou_threshold: one float or per gold class.
    reviewed: per annotator counts over *all* their drafts, ``annotator_id, drafts_reviewed,
    kept`` (a database can count those without loading the rows); then `decisions` need only
    hold the drafts on gold items. Without it both counts come from `decisions`.
    window: a fixed pandas frequency ("7D", "1D"); needs ``submitted_at`` (tz-aware) in
    `decisions` and adds ``by_window``.

    ``annotators`` columns: ``annotator_id, drafts_reviewed, kept, kept_share, gold_drafts,
    wrong_drafts, passed_through, pass_through_rate, pass_through_low, pass_through_high`` and
    ``passed_<kind>`` per wrong kind, ``over_trusts`` and ``passed_items`` (up to
    MAX_LISTED_ITEMS gold item ids where a wrong draft was passed through, for a second look).
    """
    require_columns(decisions, ["annotator_id", "draft_id", "final_class_id", "iou"], "decisions")
    status = draft_status(drafts, gold, iou_threshold, gold_items)
    draft_ids = integer_column(decisions, "draft_id", "decisions")
    known = drafts.index.get_indexer(draft_ids)
    if (known < 0).any():
        raise ValueError(
            f"decisions: draft_id {int(draft_ids[known < 0][0])} is not among the drafts"
        )
    final_class = pd.to_numeric(decisions["final_class_id"]).fillna(-1).to_numpy(np.int64)
    iou = pd.to_numeric(decisions["iou"]).fillna(0.0).to_numpy(np.float64)
    frame = pd.DataFrame(
        {
            "annotator_id": integer_column(decisions, "annotator_id", "decisions"),
            "draft_id": draft_ids,
            "item_id": drafts["item_id"].to_numpy(np.int64)[known],
            "kept": (final_class == drafts["class_id"].to_numpy(np.int64)[known])
            & (iou >= params.kept_iou),
            "status": status.reindex(draft_ids).to_numpy(),
        }
    )
    frame["wrong"] = frame["status"].isin(WRONG_KINDS)
    frame["passed"] = frame["wrong"] & frame["kept"]
    for kind in WRONG_KINDS:
        frame[f"passed_{kind}"] = frame["passed"] & (frame["status"] == kind)
    if reviewed is None:
        reviewed = frame.groupby("annotator_id", sort=True).agg(
            drafts_reviewed=("draft_id", "size"), kept=("kept", "sum")
        )
    else:
        require_columns(reviewed, ["annotator_id", "drafts_reviewed", "kept"], "reviewed")
        reviewed = reviewed.set_index("annotator_id")[["drafts_reviewed", "kept"]]
    annotators = _per_annotator(frame, reviewed.astype(np.int64), params)
    totals = _totals(frame, status, reviewed)
    by_window = None
    if window is not None:
        require_columns(decisions, ["submitted_at"], "decisions")
        submitted = decisions["submitted_at"].set_axis(frame.index)
        frame["window_start"] = window_floor(submitted, window, "decisions")
        by_window = _per_window(frame)
    drafts_out = pd.DataFrame(
        {
            "draft_id": status.index.to_numpy(np.int64),
            "item_id": drafts.loc[status.index, "item_id"].to_numpy(np.int64),
            "class_id": drafts.loc[status.index, "class_id"].to_numpy(np.int64),
            "status": status.to_numpy(dtype=object),
        }
    )
    return DraftReview(annotators, drafts_out, totals, by_window)


def _per_window(frame: pd.DataFrame) -> pd.DataFrame:
    table = (
        frame[frame["wrong"]]
        .groupby(["annotator_id", "window_start"], sort=True)
        .agg(wrong_drafts=("wrong", "sum"), passed_through=("passed", "sum"))
        .reset_index()
    )
    table["pass_through_rate"] = safe_ratio(table["passed_through"], table["wrong_drafts"])
    return table


def _per_annotator(
    frame: pd.DataFrame, reviewed: pd.DataFrame, params: DraftReviewParams
) -> pd.DataFrame:
    grouped = frame.assign(gold=frame["status"].notna()).groupby("annotator_id", sort=True)
    on_gold = grouped.agg(
        gold_drafts=("gold", "sum"),
        wrong_drafts=("wrong", "sum"),
        passed_through=("passed", "sum"),
        **{f"passed_{kind}": (f"passed_{kind}", "sum") for kind in WRONG_KINDS},
    )
    table = (
        reviewed.join(on_gold, how="outer")
        .fillna(0)
        .astype(np.int64)
        .rename_axis("annotator_id")
        .reset_index()
    )
    wrong = table["wrong_drafts"].to_numpy(np.float64)
    passed = table["passed_through"].to_numpy(np.float64)
    low, high = wilson_bounds(passed, wrong, params.z)
    enough = wrong >= params.min_wrong_drafts
    table.insert(3, "kept_share", safe_ratio(table["kept"], table["drafts_reviewed"]))
    table["pass_through_rate"] = safe_ratio(passed, wrong)
    table["pass_through_low"] = nullable_float(np.where(wrong > 0, low, np.nan))
    table["pass_through_high"] = nullable_float(np.where(wrong > 0, high, np.nan))
    table["over_trusts"] = enough & (np.nan_to_num(low) > params.max_pass_through)
    listed = (
        frame.loc[frame["passed"], ["annotator_id", "item_id"]]
        .drop_duplicates()
        .sort_values(["annotator_id", "item_id"])
        .groupby("annotator_id")["item_id"]
        .agg(lambda items: [int(i) for i in items.iloc[:MAX_LISTED_ITEMS]])
    )
    table["passed_items"] = table["annotator_id"].map(listed)
    table["passed_items"] = table["passed_items"].apply(
        lambda items: items if isinstance(items, list) else []
    )
    return table


def _totals(frame: pd.DataFrame, status: pd.Series, reviewed: pd.DataFrame) -> dict[str, Any]:
    n_gold = int(status.size)
    n_wrong = int(status.isin(WRONG_KINDS).sum())
    wrong_reviews = int(frame["wrong"].sum())
    passed = int(frame["passed"].sum())
    n_reviewed = int(reviewed["drafts_reviewed"].sum())
    return {
        "drafts_reviewed": n_reviewed,
        "kept_share": int(reviewed["kept"].sum()) / n_reviewed if n_reviewed else None,
        "gold_drafts": n_gold,
        "wrong_gold_drafts": n_wrong,
        "draft_error_rate": n_wrong / n_gold if n_gold else None,
        "wrong_by_kind": {kind: int((status == kind).sum()) for kind in WRONG_KINDS},
        "wrong_draft_reviews": wrong_reviews,
        "passed_through": passed,
        "pass_through_rate": passed / wrong_reviews if wrong_reviews else None,
    }
