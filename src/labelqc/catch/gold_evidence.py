"""Per-honeypot evidence from labelqc.quality: one row per gold task of the timeline.

Two comparisons against gold are made once for the whole program (a submission's matching
depends only on that submission, so matching everything at once equals matching each honeypot
when it arrives): class-aware for accuracy (:func:`labelqc.quality.score_comparison`),
class-agnostic for size bias (:func:`labelqc.quality.size_bias`), class confusion
(:func:`labelqc.quality.confusion_counts`) and missed objects. Each is rolled up by
``(annotator_id, seq_index)``, i.e. per honeypot task, so the signals can sum any window of an
annotator's honeypots.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from labelqc.catch.timeline import Timeline
from labelqc.catch.view import ServiceView, ViewInputError
from labelqc.quality import (
    GoldComparison,
    compare_to_gold,
    confusion_counts,
    score_comparison,
    size_bias,
)

KEYS = ["annotator_id", "seq_index"]


@dataclass(frozen=True, eq=False)
class GoldEvidence:
    """Sums per honeypot task, rows in timeline order (``row`` = timeline row).

    ``table`` columns: ``row, annotator_id, seq_index, started_at, tp, fp, fn, iou_sum,
    n_pairs, log_ratio_sum, log_ratio_sq_sum, n_gold, n_missed, n_small, n_small_missed``.
    ``pair_matches`` / ``pair_swaps``: (honeypots x pairs) matches whose gold class is in the
    pair, and those drawn as the pair's other class; ``pairs`` lists the (c, d) class pairs.
    """

    table: pd.DataFrame
    pairs: tuple[tuple[int, int], ...]
    pair_matches: np.ndarray
    pair_swaps: np.ndarray


def _float(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].to_numpy(dtype=np.float64, na_value=np.nan)


def _honeypots(timeline: Timeline) -> pd.DataFrame:
    tasks = timeline.tasks
    gold_rows = np.flatnonzero(tasks["is_gold"].to_numpy(dtype=bool))
    honeypots = tasks.iloc[gold_rows][["item_id", *KEYS, "started_at"]].assign(row=gold_rows)
    repeated = honeypots.duplicated(["item_id", "annotator_id"])
    if repeated.any():
        first = honeypots[repeated].iloc[0]
        raise ViewInputError(
            f"tasks: annotator {int(first['annotator_id'])} was served honeypot item "
            f"{int(first['item_id'])} twice; honeypot evidence needs one task per (item, annotator)"
        )
    return honeypots.reset_index(drop=True)


def _aligned(honeypots: pd.DataFrame, rolled: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    merged = honeypots[KEYS].merge(rolled[[*KEYS, *columns]], on=KEYS, how="left")
    return merged[columns]


def _size_sums(honeypots: pd.DataFrame, agnostic: GoldComparison) -> pd.DataFrame:
    bias = size_bias(agnostic, by=KEYS)
    n = bias["n_pairs"].to_numpy(dtype=np.float64)
    mean = np.nan_to_num(_float(bias, "size_bias_mean"))
    variance = np.nan_to_num(_float(bias, "size_bias_var"))
    sums = bias[KEYS].assign(
        n_pairs=n,
        log_ratio_sum=n * mean,
        # ddof=1 variance back to a sum of squares: sum x^2 = (n - 1) var + n mean^2.
        log_ratio_sq_sum=np.maximum(n - 1.0, 0.0) * variance + n * mean * mean,
    )
    return _aligned(honeypots, sums, ["n_pairs", "log_ratio_sum", "log_ratio_sq_sum"])


def _missing_sums(
    honeypots: pd.DataFrame, view: ServiceView, agnostic: GoldComparison, small_area: float
) -> pd.DataFrame:
    gold = view.gold
    if "area" in gold.columns:
        area = gold["area"].to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        area = gold["w"].to_numpy(dtype=np.float64) * gold["h"].to_numpy(dtype=np.float64)
    small = area < small_area
    per_item = pd.DataFrame({"item_id": gold["item_id"].to_numpy(), "small": small})
    per_item = per_item.groupby("item_id").agg(n_gold=("small", "size"), n_small=("small", "sum"))
    totals = honeypots[["item_id"]].merge(per_item, on="item_id", how="left").fillna(0.0)
    missed = agnostic.match.unmatched_gold
    missed_small = small[missed["gold_row"].to_numpy(dtype=np.int64)]
    groups = agnostic.match.groups
    n_groups = len(groups)
    group_missed = np.bincount(missed["group"].to_numpy(dtype=np.int64), minlength=n_groups)
    group_small = np.bincount(
        missed["group"].to_numpy(dtype=np.int64), weights=missed_small, minlength=n_groups
    )
    submissions = agnostic.submissions[KEYS].assign(
        n_missed=group_missed.astype(np.float64), n_small_missed=group_small
    )
    result = _aligned(honeypots, submissions, ["n_missed", "n_small_missed"])
    result["n_gold"] = totals["n_gold"].to_numpy(dtype=np.float64)
    result["n_small"] = totals["n_small"].to_numpy(dtype=np.float64)
    return result


def _confusion_arrays(
    honeypots: pd.DataFrame, agnostic: GoldComparison, classes: np.ndarray
) -> tuple[tuple[tuple[int, int], ...], np.ndarray, np.ndarray]:
    counts = confusion_counts(agnostic, by=KEYS)
    matched = counts.dropna(subset=["gold_class_id", "ann_class_id"])
    pairs = tuple(combinations(classes.tolist(), 2))
    n_rows = len(honeypots)
    position = honeypots[KEYS].reset_index().merge(matched, on=KEYS, how="inner")
    row = position["index"].to_numpy(dtype=np.int64)
    gold_class = position["gold_class_id"].to_numpy(dtype=np.int64)
    ann_class = position["ann_class_id"].to_numpy(dtype=np.int64)
    count = position["count"].to_numpy(dtype=np.float64)
    code = np.searchsorted(classes, gold_class)
    by_class = np.zeros((n_rows, classes.size))
    np.add.at(by_class, (row, code), count)
    pair_matches = np.zeros((n_rows, len(pairs)))
    pair_swaps = np.zeros((n_rows, len(pairs)))
    for index, (first, second) in enumerate(pairs):
        pair_matches[:, index] = (
            by_class[:, np.searchsorted(classes, first)]
            + by_class[:, np.searchsorted(classes, second)]
        )
        swapped = ((gold_class == first) & (ann_class == second)) | (
            (gold_class == second) & (ann_class == first)
        )
        pair_swaps[:, index] = np.bincount(row, weights=count * swapped, minlength=n_rows)
    return pairs, pair_matches, pair_swaps


def gold_evidence(
    view: ServiceView, timeline: Timeline, iou_threshold: float, small_area: float
) -> GoldEvidence:
    """Evidence of every honeypot task (see :class:`GoldEvidence`)."""
    honeypots = _honeypots(timeline)
    assignments = honeypots[["item_id", *KEYS]]
    on_gold = view.annotations[view.annotations["item_id"].isin(view.gold_item_ids)]
    comparison_args = {"assignments": assignments, "gold_items": view.gold_item_ids}
    aware = compare_to_gold(view.gold, on_gold, iou_threshold, **comparison_args)
    agnostic = compare_to_gold(
        view.gold, on_gold, iou_threshold, class_aware=False, **comparison_args
    )
    scores = score_comparison(aware, by=KEYS)
    scores = scores.assign(iou_sum=np.nan_to_num(_float(scores, "mean_iou")) * scores["tp"])
    table = honeypots[["row", *KEYS, "started_at"]].copy()
    outcome = _aligned(honeypots, scores, ["tp", "fp", "fn", "iou_sum"]).fillna(0.0)
    for column in outcome.columns:
        table[column] = outcome[column].to_numpy(dtype=np.float64)
    for part in (
        _size_sums(honeypots, agnostic).fillna(0.0),
        _missing_sums(honeypots, view, agnostic, small_area).fillna(0.0),
    ):
        for column in part.columns:
            table[column] = part[column].to_numpy(dtype=np.float64)
    classes = np.unique(
        np.concatenate(
            [
                view.gold["class_id"].to_numpy(dtype=np.int64),
                on_gold["class_id"].to_numpy(dtype=np.int64),
            ]
        )
    )
    pairs, pair_matches, pair_swaps = _confusion_arrays(honeypots, agnostic, classes)
    return GoldEvidence(table=table, pairs=pairs, pair_matches=pair_matches, pair_swaps=pair_swaps)
