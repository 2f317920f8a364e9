"""Agreement evidence on regular items with two or more annotators (no gold involved).

Objects: the boxes of an item are grouped into units by :func:`labelqc.report.iaa.unit_labels`
(class-agnostic one-to-one matches between annotators at the IoU threshold, then connected
components); a box no other annotator matched is an object of its own. Every annotator who
was assigned the item gives each object a value: the class they drew, or ``ABSENT`` when they
drew nothing there (so a miss or a spurious box is a disagreement, as in
:func:`labelqc.agreement.shape_agreement`'s label alpha).

A *comparison* is one object and one pair of the item's annotators where at least one of them
drew it; the pair disagrees when the two values differ. Comparisons are summed per (item,
annotator pair), the cluster used for standard errors, and become known when the later of the
two tasks starts (the simulator has no separate submit time; queue start times are what the
service stores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from labelqc.catch.timeline import Timeline
from labelqc.catch.view import ServiceView
from labelqc.report.iaa import unit_labels

ABSENT = -1


@dataclass(frozen=True, eq=False)
class IaaEvidence:
    """Comparison clusters and per-object class values.

    ``sides``: one row per (annotator, item, partner): ``annotator_id, partner_id, row`` (the
    annotator's timeline row for the item), ``time_ms`` (when known), ``n`` comparisons, ``d``
    disagreements; sorted by annotator then time. ``drawn``: one row per (object, annotator who
    drew it) on items with two or more annotators, honeypots included: ``unit, annotator_id,
    class_id, is_gold, time_ms``. ``item_done_ms``: sorted times at which each regular item's
    last assigned task started.
    """

    sides: pd.DataFrame
    drawn: pd.DataFrame
    item_done_ms: np.ndarray


def _task_frame(timeline: Timeline) -> pd.DataFrame:
    tasks = timeline.tasks
    return pd.DataFrame(
        {
            "item_id": tasks["item_id"].to_numpy(),
            "annotator_id": tasks["annotator_id"].to_numpy(),
            "is_gold": tasks["is_gold"].to_numpy(dtype=bool),
            "row": np.arange(len(tasks)),
            "time_ms": timeline.time_ms,
        }
    )


def _drawn_objects(view: ServiceView, shared: pd.DataFrame, iou_threshold: float) -> pd.DataFrame:
    """Boxes on shared items with their unit id (singletons get fresh ids)."""
    columns = ["item_id", "annotator_id", "class_id", "x", "y", "w", "h"]
    boxes = view.annotations[columns].merge(
        shared[["item_id", "annotator_id", "is_gold", "row", "time_ms"]],
        on=["item_id", "annotator_id"],
        how="inner",
    )
    boxes = boxes.sort_values(["item_id", "annotator_id"], kind="stable").reset_index(drop=True)
    units = unit_labels(boxes, iou_threshold)
    alone = units < 0
    start = int(units.max()) + 1 if units.size else 0
    units = units.copy()
    units[alone] = start + np.arange(int(alone.sum()))
    drawn = boxes[["item_id", "annotator_id", "class_id", "is_gold", "time_ms"]].assign(unit=units)
    # A chain of matches can, rarely, put two boxes of one annotator in a unit: keep the first.
    return drawn.drop_duplicates(["unit", "annotator_id"]).reset_index(drop=True)


def _comparison_sides(drawn: pd.DataFrame, shared: pd.DataFrame) -> pd.DataFrame:
    units = drawn[["unit", "item_id"]].drop_duplicates("unit")
    grid = units.merge(
        shared[["item_id", "annotator_id", "row", "time_ms"]], on="item_id", how="inner"
    )
    grid = grid.merge(
        drawn[["unit", "annotator_id", "class_id"]], on=["unit", "annotator_id"], how="left"
    )
    grid["value"] = grid["class_id"].fillna(ABSENT).astype(np.int64)
    grid = grid.drop(columns="class_id")
    pairs = grid.merge(grid.drop(columns="item_id"), on="unit", suffixes=("_a", "_b"))
    keep = (pairs["annotator_id_a"] < pairs["annotator_id_b"]) & (
        (pairs["value_a"] != ABSENT) | (pairs["value_b"] != ABSENT)
    )
    pairs = pairs[keep]
    pairs = pairs.assign(d=(pairs["value_a"] != pairs["value_b"]).astype(np.int64), n=1)
    clusters = (
        pairs.groupby(["row_a", "row_b"], sort=False)
        .agg(
            annotator_a=("annotator_id_a", "first"),
            annotator_b=("annotator_id_b", "first"),
            time_a=("time_ms_a", "first"),
            time_b=("time_ms_b", "first"),
            n=("n", "sum"),
            d=("d", "sum"),
        )
        .reset_index()
    )
    known = np.maximum(clusters["time_a"].to_numpy(), clusters["time_b"].to_numpy())
    sides = pd.concat(
        [
            pd.DataFrame(
                {
                    "annotator_id": clusters[f"annotator_{side}"].to_numpy(),
                    "partner_id": clusters[f"annotator_{other}"].to_numpy(),
                    "row": clusters[f"row_{side}"].to_numpy(),
                    "time_ms": known,
                    "n": clusters["n"].to_numpy(dtype=np.float64),
                    "d": clusters["d"].to_numpy(dtype=np.float64),
                }
            )
            for side, other in (("a", "b"), ("b", "a"))
        ],
        ignore_index=True,
    )
    return sides.sort_values(["annotator_id", "time_ms"], kind="stable").reset_index(drop=True)


def _empty(int_columns: tuple[str, ...], float_columns: tuple[str, ...]) -> pd.DataFrame:
    columns = {c: pd.Series([], dtype=np.int64) for c in int_columns}
    columns.update({c: pd.Series([], dtype=np.float64) for c in float_columns})
    return pd.DataFrame(columns)


def iaa_evidence(view: ServiceView, timeline: Timeline, iou_threshold: float) -> IaaEvidence:
    """Build :class:`IaaEvidence`: comparisons on regular items; class values on regular and
    honeypot items (a honeypot seen by several annotators is an overlapping item too)."""
    tasks = _task_frame(timeline)
    regular = tasks[~tasks["is_gold"]]
    item_done = np.sort(regular.groupby("item_id")["time_ms"].max().to_numpy())
    per_item = tasks.groupby("item_id")["annotator_id"].transform("size").to_numpy()
    shared = tasks[per_item >= 2].reset_index(drop=True)
    empty_sides = _empty(("annotator_id", "partner_id", "row", "time_ms"), ("n", "d"))
    drawn = _drawn_objects(view, shared, iou_threshold) if len(shared) else None
    if drawn is None or drawn.empty:
        empty_drawn = _empty(("unit", "annotator_id", "class_id", "time_ms"), ()).assign(
            is_gold=pd.Series([], dtype=bool)
        )
        return IaaEvidence(empty_sides, empty_drawn, item_done)
    on_regular = ~drawn["is_gold"].to_numpy(dtype=bool)
    shared_regular = shared[~shared["is_gold"].to_numpy(dtype=bool)]
    sides = (
        _comparison_sides(drawn[on_regular], shared_regular) if on_regular.any() else empty_sides
    )
    return IaaEvidence(
        sides=sides,
        drawn=drawn[["unit", "annotator_id", "class_id", "is_gold", "time_ms"]],
        item_done_ms=item_done,
    )
