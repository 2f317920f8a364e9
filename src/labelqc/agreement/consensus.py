"""Consensus from several annotators: majority vote, pixel voting of masks, box fusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from pycocotools import mask as mask_utils

from labelqc.agreement._iou import to_compressed_rle
from labelqc.agreement._messages import shown

# Weighted vote totals within this relative distance of the best count as a tie.
_TIE_RTOL = 1e-12


def _lookup_weights(
    keys: pd.Series, weights: Mapping[object, float] | pd.Series | None, field: str
) -> np.ndarray:
    """Weight per row from a {key: weight} table; ValueError names a key without a weight."""
    if weights is None:
        return np.ones(len(keys))
    table = weights if isinstance(weights, pd.Series) else pd.Series(weights, dtype=np.float64)
    looked_up = keys.map(table.astype(np.float64))
    unknown = looked_up.isna().to_numpy()
    if unknown.any():
        missing = keys.iloc[np.flatnonzero(unknown)[0]]
        raise ValueError(f"weights has no entry for {field} {shown(missing)}")
    values = looked_up.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all() or (values < 0).any():
        raise ValueError(f"weights must be finite and non-negative (see {field} weights)")
    return values


def majority_vote(
    df: pd.DataFrame,
    *,
    weights: Mapping[object, float] | pd.Series | None = None,
    task: str = "task",
    label: str = "label",
    worker: str = "worker",
) -> pd.DataFrame:
    """Per-task (weighted) majority label.

    Args:
        df: one row per answer with columns ``task`` and ``label`` (and ``worker`` when
            ``weights`` is given); rows with a missing label are ignored.
        weights: optional worker -> vote weight (e.g. Dawid-Skene skills).
        task, label, worker: column names.

    Returns a DataFrame indexed by task with ``label`` (winner), ``support`` (the winner's
    share of the task's vote weight; 0 when all its weights are 0), ``n_votes`` (answers) and
    ``tied`` (another label had the same weight). Ties are broken deterministically: the
    smallest label in sorted order wins.
    """
    for column in (task, label) + ((worker,) if weights is not None else ()):
        if column not in df.columns:
            raise ValueError(f"df is missing column {column!r}")
    answers = df[df[label].notna()]
    vote = _lookup_weights(
        answers[worker] if weights is not None else answers[task], weights, worker
    )
    tally = (
        pd.DataFrame(
            {
                "task": answers[task].to_numpy(),
                "label": answers[label].to_numpy(),
                "weight": vote,
                "n": 1,
            }
        )
        .groupby(["task", "label"], sort=True)[["weight", "n"]]
        .sum()
        .reset_index()
    )
    by_task = tally.groupby("task", sort=False)
    best = by_task["weight"].transform("max").to_numpy()
    candidate = tally["weight"].to_numpy() >= best - _TIE_RTOL * np.abs(best)
    # Rows are sorted by (task, label): the first candidate per task is the smallest label.
    winners = tally[candidate].groupby("task", sort=True).head(1).set_index("task")
    n_candidates = tally[candidate].groupby("task", sort=True).size()
    total = by_task["weight"].sum()
    n_votes = by_task["n"].sum()
    support = np.divide(
        winners["weight"].to_numpy(),
        total.loc[winners.index].to_numpy(),
        out=np.zeros(len(winners)),
        where=total.loc[winners.index].to_numpy() > 0,
    )
    result = pd.DataFrame(
        {
            "label": winners["label"].to_numpy(),
            "support": support,
            "n_votes": n_votes.loc[winners.index].to_numpy(),
            "tied": (n_candidates.loc[winners.index] > 1).to_numpy(),
        },
        index=pd.Index(winners.index, name=task),
    )
    return result


def _as_rle(mask: object, position: int) -> dict:
    if isinstance(mask, Mapping):
        return to_compressed_rle(mask, f"masks[{position}]")
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"masks[{position}] must be a 2-D binary array or a COCO RLE")
    return mask_utils.encode(np.asfortranarray(array.astype(bool).astype(np.uint8)))


def rle_to_json(rle: Mapping) -> dict:
    """A pycocotools RLE with ``counts`` as str (JSON-serialisable)."""
    counts = rle["counts"]
    return {
        "size": [int(v) for v in rle["size"]],
        "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts,
    }


def mask_vote(
    masks: Sequence[object],
    weights: Sequence[float] | np.ndarray | None = None,
    threshold: float = 0.5,
) -> dict:
    """Pixel-wise (weighted) vote of binary masks into one consensus mask.

    Args:
        masks: binary arrays (H x W) and/or COCO RLE dicts, all of the same size.
        weights: optional non-negative weight per mask (e.g. annotator skill).
        threshold: a pixel is in the consensus when its weighted vote share is strictly
            greater than this (0.5 = strict majority; a 2-2 split is left out).

    Returns a COCO RLE dict with compressed ``counts`` as str.
    """
    if len(masks) == 0:
        raise ValueError("masks is empty: nothing to vote on")
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")
    rles = [_as_rle(mask, i) for i, mask in enumerate(masks)]
    size = rles[0]["size"]
    for i, rle in enumerate(rles):
        if list(rle["size"]) != list(size):
            raise ValueError(f"masks[{i}] has size {list(rle['size'])}, expected {list(size)}")
    vote = np.ones(len(rles)) if weights is None else np.asarray(weights, dtype=np.float64)
    if vote.shape != (len(rles),):
        raise ValueError(f"weights must have one entry per mask ({len(rles)})")
    if (vote < 0).any() or not np.isfinite(vote).all() or vote.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    stacked = mask_utils.decode(rles)  # H x W x N, Fortran order
    tally = np.tensordot(stacked, vote, axes=([2], [0]))
    consensus = tally > threshold * vote.sum()
    return rle_to_json(mask_utils.encode(np.asfortranarray(consensus.astype(np.uint8))))


def fuse_boxes(boxes: object, weights: object | None = None) -> np.ndarray:
    """Weighted average of matched boxes in xywh (x, y, w, h averaged separately).

    Args:
        boxes: (n, 4) xywh boxes of one object from n annotators.
        weights: optional (n,) non-negative weights (e.g. skills), not all zero.
    Returns a (4,) xywh array.
    """
    array = np.asarray(boxes, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 4 or array.shape[0] == 0:
        raise ValueError(f"boxes must be a non-empty (n, 4) xywh array, got shape {array.shape}")
    vote = np.ones(array.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if vote.shape != (array.shape[0],) or (vote < 0).any() or vote.sum() <= 0:
        raise ValueError("weights must be one non-negative weight per box, not all zero")
    return vote @ array / vote.sum()


def consensus_boxes(
    matched: pd.DataFrame, skills: Mapping[object, float] | pd.Series | None = None
) -> pd.DataFrame:
    """Consensus object per matched group: weighted-majority class and skill-weighted box.

    Args:
        matched: annotations with ``item_id``, ``object_id`` (from ``match_objects``),
            ``annotator_id``, ``class_id``, ``x``, ``y``, ``w``, ``h``.
        skills: optional annotator -> weight; every annotator must be present.

    Returns one row per (item_id, object_id): ``class_id`` (weighted majority, ties to the
    smallest id), ``class_support``, ``x``, ``y``, ``w``, ``h`` (weighted mean over all boxes of
    the object) and ``n_annotators``.
    """
    needed = ("item_id", "object_id", "annotator_id", "class_id", "x", "y", "w", "h")
    for column in needed:
        if column not in matched.columns:
            raise ValueError(f"matched is missing column {column!r}")
    weight = _lookup_weights(matched["annotator_id"], skills, "annotator_id")
    frame = matched[list(needed)].copy()
    frame["weight"] = weight
    for side in ("x", "y", "w", "h"):
        frame[f"weighted_{side}"] = frame[side].to_numpy(dtype=np.float64) * weight
    keys = ["item_id", "object_id"]
    sums = frame.groupby(keys, sort=True).agg(
        weight=("weight", "sum"),
        n_annotators=("annotator_id", "nunique"),
        weighted_x=("weighted_x", "sum"),
        weighted_y=("weighted_y", "sum"),
        weighted_w=("weighted_w", "sum"),
        weighted_h=("weighted_h", "sum"),
    )
    if (sums["weight"] <= 0).any():
        bad = sums.index[(sums["weight"] <= 0).to_numpy()][0]
        raise ValueError(f"object {shown(bad)} has zero total weight: cannot fuse its boxes")
    group = frame.groupby(keys, sort=True).ngroup().to_numpy()
    votes = majority_vote(
        pd.DataFrame(
            {
                "task": group,
                "label": frame["class_id"].to_numpy(),
                "worker": frame["annotator_id"].to_numpy(),
            }
        ),
        weights=skills,
    )
    result = pd.DataFrame(index=sums.index)
    # ngroup numbers the sorted groups 0..n-1, in the same order as ``sums``.
    result["class_id"] = votes["label"].to_numpy()
    result["class_support"] = votes["support"].to_numpy()
    for side in ("x", "y", "w", "h"):
        result[side] = sums[f"weighted_{side}"] / sums["weight"]
    result["n_annotators"] = sums["n_annotators"]
    return result.reset_index()
