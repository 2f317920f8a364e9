"""Report output is JSON-ready (None, never NaN); bad inputs raise errors naming the field."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from labelqc.report import (
    ReportFrames,
    ReportInputError,
    ReportParams,
    ShardMergeError,
    compute_shard,
    finalize,
    merge,
    quality_report,
)


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in _floats(v)]
    return []


def _plain_types(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_types(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def test_report_is_json_ready(project) -> None:
    report = quality_report(project.frames).to_dict()
    text = json.dumps(report, allow_nan=False)
    assert json.loads(text) == report
    assert _plain_types(report)
    assert all(math.isfinite(f) for f in _floats(report))
    assert set(report) == {
        "params",
        "totals",
        "scores",
        "confusion",
        "missing_by_density",
        "class_iou",
        "agreement",
        "drift",
        "class_mix",
    }


def test_undefined_values_are_none_with_reasons(hand_frames: ReportFrames) -> None:
    no_time = ReportFrames(
        hand_frames.items,
        hand_frames.gold.drop(columns="created_at"),
        hand_frames.annotations.drop(columns=["created_at", "cohort_id"]),
    )
    report = quality_report(no_time).to_dict()
    assert report["drift"]["entities"] == {} and "created_at" in report["drift"]["reason"]
    assert report["class_mix"]["overall"]["psi"] is None
    assert "created_at" in report["class_mix"]["overall"]["reason"]
    assert report["scores"]["cohort"] == []
    # One window only: drift has too few windows, PSI needs two.
    timed = quality_report(hand_frames).to_dict()
    metric = timed["drift"]["entities"]["annotator"][0]["metrics"]["gold_correct"]
    assert metric["target"] is None and "window" in metric["reason"]
    assert all(v is None for v in metric["first_signal"].values())
    assert "two" in timed["class_mix"]["overall"]["reason"]
    assert json.dumps(timed, allow_nan=False)


def test_params_round_trip_through_json() -> None:
    params = ReportParams(iou_threshold={1: 0.5, 2: 0.7}, iou_sla={1: 0.8, 2: 0.9}, window="6h")
    revived = ReportParams.from_dict(json.loads(json.dumps(params.to_dict())))
    assert revived == params
    assert revived.fingerprint == params.fingerprint


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"iou_bins": 0}, "iou_bins"),
        ({"iou_threshold": 1.5}, "iou_threshold"),
        ({"iaa_iou_threshold": 0.0}, "iaa_iou_threshold"),
        ({"window": "1ME"}, "window"),
        ({"density_buckets": ((3, 5), (1, 2))}, "density_buckets"),
        ({"ewma_lambda": 0.0}, "ewma_lambda"),
        ({"cusum_h": -1.0}, "cusum_h"),
    ],
)
def test_bad_params_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ReportInputError, match=field):
        ReportParams(**kwargs)


def test_bad_frames_name_the_field(hand_frames: ReportFrames) -> None:
    with pytest.raises(
        ReportInputError, match=r"annotations: missing required column\(s\) \['w'\]"
    ):
        ReportFrames(hand_frames.items, hand_frames.gold, hand_frames.annotations.drop(columns="w"))
    stray = hand_frames.annotations.copy()
    stray.loc[5, "item_id"] = 77
    with pytest.raises(ReportInputError, match=r"annotations\.item_id: row 5 refers to item 77,"):
        ReportFrames(hand_frames.items, hand_frames.gold, stray)
    twice = pd.DataFrame({"item_id": [1, 1, 2]})
    with pytest.raises(ReportInputError, match=r"items\.item_id: item 1 appears twice"):
        ReportFrames(twice, hand_frames.gold, hand_frames.annotations)
    with pytest.raises(ReportInputError, match="iou_sla"):
        compute_shard(hand_frames, ReportParams(iou_sla={0: 0.8}))


def test_mismatched_parameters_cannot_be_merged_or_finalized(hand_frames: ReportFrames) -> None:
    a = compute_shard(hand_frames, ReportParams(iou_threshold=0.5))
    b = compute_shard(hand_frames, ReportParams(iou_threshold=0.6))
    with pytest.raises(ShardMergeError, match="different shard-level parameters"):
        merge([a, b])
    with pytest.raises(ShardMergeError, match="params"):
        finalize(a, ReportParams(iou_threshold=0.6))
    with pytest.raises(ShardMergeError, match="at least one"):
        merge([])
    # Chart parameters are free at finalize time.
    assert finalize(a, ReportParams(iou_threshold=0.5, cusum_h=4.0)).totals == finalize(a).totals


def test_histogram_bins_are_part_of_the_fingerprint(hand_frames: ReportFrames) -> None:
    a = compute_shard(hand_frames, ReportParams(iou_bins=10))
    b = compute_shard(hand_frames, ReportParams(iou_bins=20))
    with pytest.raises(ShardMergeError):
        merge([a, b])
    assert len(finalize(a, ReportParams(iou_bins=10)).class_iou[0]["histogram"]) == 10
    assert np.sum(finalize(a, ReportParams(iou_bins=10)).class_iou[0]["histogram"]) == 2


def test_a_class_only_drawn_never_in_gold_needs_no_sla(hand_frames: ReportFrames) -> None:
    extra = pd.DataFrame(
        [
            {
                "item_id": 1,
                "annotator_id": 8,
                "class_id": 3,
                "x": 90.0,
                "y": 0.0,
                "w": 5.0,
                "h": 5.0,
                "created_at": hand_frames.annotations["created_at"].iloc[0],
                "cohort_id": 2,
            }
        ]
    )
    annotations = pd.concat([hand_frames.annotations, extra], ignore_index=True)
    frames = ReportFrames(hand_frames.items, hand_frames.gold, annotations)
    report = quality_report(frames, ReportParams(iou_sla={0: 0.8, 1: 0.8, 2: 0.8})).to_dict()
    drawn_only = next(r for r in report["class_iou"] if r["class_id"] == 3)
    assert drawn_only["n_pairs"] == 0
    assert drawn_only["iou_sla"] is None and drawn_only["median_below_sla"] is None
    assert next(r for r in report["class_iou"] if r["class_id"] == 0)["median_below_sla"] is False
