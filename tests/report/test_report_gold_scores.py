"""Golden-set scores of the report: a hand-worked case and labelqc.quality as the oracle."""

import math

import numpy as np
import pandas as pd
import pytest

from labelqc.quality import compare_to_gold, score_against_gold, size_bias
from labelqc.report import ReportFrames, ReportParams, quality_report


def _row(rows: list[dict], entity: int) -> dict:
    return next(r for r in rows if r["entity"] == entity)


def test_hand_worked_scores(hand_frames: ReportFrames) -> None:
    report = quality_report(hand_frames, ReportParams(iou_threshold=0.5)).to_dict()
    a7 = _row(report["scores"]["annotator"], 7)
    assert (a7["tp"], a7["fp"], a7["fn"], a7["class_swaps"]) == (1, 2, 2, 1)
    assert a7["precision"] == pytest.approx(1 / 3)
    assert a7["recall"] == pytest.approx(1 / 3)
    assert a7["accuracy"] == pytest.approx(1 / 5)
    assert a7["iou_mean"] == pytest.approx(1.0)
    assert a7["iou_var"] is None  # one TP
    a8 = _row(report["scores"]["annotator"], 8)
    assert (a8["tp"], a8["fp"], a8["fn"]) == (3, 0, 0)
    assert a8["iou_mean"] == pytest.approx((90 / 110 + 2) / 3, abs=1e-7)
    assert a8["size_bias_mean"] == pytest.approx(0.0, abs=1e-7)
    assert a8["size_bias_var"] == pytest.approx(0.0, abs=1e-7)
    classes = {
        r["entity"]: (r["tp"], r["fp"], r["fn"], r["class_swaps"])
        for r in report["scores"]["class"]
    }
    assert classes == {0: (2, 1, 0, 0), 1: (1, 0, 1, 1), 2: (1, 1, 1, 0)}
    overall = report["scores"]["overall"][0]
    assert (overall["tp"], overall["fp"], overall["fn"], overall["n_items"]) == (4, 2, 2, 1)
    cohort = {r["entity"]: r["tp"] for r in report["scores"]["cohort"]}
    assert cohort == {1: 1, 2: 3}
    assert report["confusion"]["labels"] == [0, 1, 2, "unmatched"]
    assert report["confusion"]["matrix"] == [
        [2, 0, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 1, 1],
        [1, 0, 0, 0],
    ]
    bucket = next(
        r for r in report["missing_by_density"]["overall"] if r["density_bucket"] == "3-5"
    )
    assert (bucket["n_instances"], bucket["n_missed"]) == (6, 1)
    assert bucket["missing_rate"] == pytest.approx(1 / 6)
    assert report["totals"]["n_ungraded_annotations"] == 2


PARAMS = ReportParams(iou_threshold={0: 0.5, 1: 0.55, 2: 0.6, 3: 0.45}, iou_bins=100)


@pytest.fixture(scope="module")
def synthetic(project):
    frames = project.frames
    # One assigned submission with no box at all: every gold object of the item is missed.
    empty_item = int(frames.gold["item_id"].iloc[-1])
    assignments = (
        frames.annotations[["item_id", "annotator_id", "cohort_id"]].drop_duplicates().copy()
    )
    assignments = pd.concat(
        [
            assignments,
            pd.DataFrame({"item_id": [empty_item], "annotator_id": [99], "cohort_id": [3]}),
        ],
        ignore_index=True,
    )
    frames = ReportFrames(frames.items, frames.gold, frames.annotations, assignments)
    report = quality_report(frames, PARAMS).to_dict()
    gold_items = frames.items["item_id"][frames.items["is_gold"]].to_numpy()
    return frames, report, gold_items


@pytest.mark.parametrize(
    ("kind", "by"), [("annotator", "annotator_id"), ("cohort", "cohort_id"), ("class", "class_id")]
)
def test_scores_match_quality_score_against_gold(synthetic, kind: str, by: str) -> None:
    frames, report, gold_items = synthetic
    # Objects never overlap in the synthetic project, so class-aware matching (the oracle) and
    # the report's class-agnostic matching pair the same boxes.
    oracle = score_against_gold(
        frames.gold,
        frames.annotations,
        PARAMS.iou_threshold,
        by=by,
        assignments=frames.assignments,
        gold_items=gold_items,
    )
    rows = {r["entity"]: r for r in report["scores"][kind]}
    assert set(rows) == {int(v) for v in oracle[by]}
    for expected in oracle.itertuples(index=False):
        got = rows[int(getattr(expected, by))]
        assert (got["n_items"], got["tp"], got["fp"], got["fn"]) == (
            expected.n_items,
            expected.tp,
            expected.fp,
            expected.fn,
        )
        for name in ("precision", "recall", "accuracy"):
            value = getattr(expected, name)
            assert (got[name] is None) == pd.isna(value)
            if got[name] is not None:
                assert got[name] == pytest.approx(float(value), rel=1e-12)
        if pd.isna(expected.mean_iou):
            assert got["iou_mean"] is None
            continue
        assert got["iou_mean"] == pytest.approx(float(expected.mean_iou), abs=1e-7)
        # Histogram quantiles lie within one bin (0.01) of the exact ones.
        assert got["iou_median"] == pytest.approx(float(expected.median_iou), abs=0.01)
        assert got["iou_p10"] == pytest.approx(float(expected.p10_iou), abs=0.01)


def test_empty_submission_counts_every_gold_object_missed(synthetic) -> None:
    frames, report, _ = synthetic
    empty = frames.assignments.iloc[-1]
    row = _row(report["scores"]["annotator"], 99)
    n_gold = int((frames.gold["item_id"] == empty["item_id"]).sum())
    assert (row["tp"], row["fp"], row["fn"]) == (0, 0, n_gold)
    assert row["precision"] is None and row["iou_mean"] is None and row["recall"] == 0.0


def test_size_bias_matches_quality_size_bias(synthetic) -> None:
    frames, report, gold_items = synthetic
    comparison = compare_to_gold(
        frames.gold, frames.annotations, PARAMS.iou_threshold, gold_items=gold_items
    )
    oracle = size_bias(comparison, by="annotator_id")
    rows = {r["entity"]: r for r in report["scores"]["annotator"]}
    for expected in oracle.itertuples(index=False):
        got = rows[int(expected.annotator_id)]
        assert got["size_bias_mean"] == pytest.approx(float(expected.size_bias_mean), abs=1e-7)
        assert got["size_bias_var"] == pytest.approx(float(expected.size_bias_var), rel=1e-5)
        assert got["iou_var"] == pytest.approx(float(expected.iou_var), rel=1e-5)


def test_class_iou_distribution_and_sla_flags(synthetic) -> None:
    frames, report, gold_items = synthetic
    comparison = compare_to_gold(
        frames.gold, frames.annotations, PARAMS.iou_threshold, gold_items=gold_items
    )
    pairs = comparison.match.pairs
    sla = PARAMS.iou_sla
    for row in report["class_iou"]:
        iou = pairs.loc[pairs["gold_class_id"] == row["class_id"], "iou"].to_numpy()
        assert row["n_pairs"] == iou.size == sum(row["histogram"])
        assert row["iou_sla"] == sla
        assert row["share_below_sla"] == pytest.approx(float(np.mean(iou < sla)))
        assert row["iou_mean"] == pytest.approx(float(iou.mean()), abs=1e-7)
        exact_median = float(np.median(iou))
        assert row["iou_median"] == pytest.approx(exact_median, abs=0.01)
        if abs(exact_median - sla) > 0.01:
            assert row["median_below_sla"] == (exact_median < sla)
        assert math.isfinite(row["iou_p10"])
