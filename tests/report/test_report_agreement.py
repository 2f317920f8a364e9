"""Agreement section: Krippendorff's alpha against the krippendorff package as the oracle."""

import krippendorff
import numpy as np
import pandas as pd
import pytest

from labelqc.report import ReportFrames, ReportParams, compute_shard, finalize, quality_report


def _reliability(units: pd.DataFrame) -> np.ndarray:
    """annotators x units matrix of class ids (NaN where an annotator drew nothing)."""
    table = units.pivot_table(
        index="annotator_id", columns="unit", values="class_id", aggfunc="first"
    )
    return table.to_numpy(dtype=np.float64)


def test_hand_worked_alpha(hand_frames: ReportFrames) -> None:
    report = quality_report(hand_frames).to_dict()["agreement"]
    # Pairable objects: A (0, 0), B (2, 1) on item 1 and the shared box (3, 3) on item 2; C and
    # the extra were drawn by one annotator only.
    expected = krippendorff.alpha(
        reliability_data=[[0, 2, 3], [0, 1, 3]], level_of_measurement="nominal"
    )
    assert report["n_units"] == 3
    assert report["n_pairable_values"] == 6
    assert report["alpha"] == pytest.approx(expected, rel=1e-12)


def test_alpha_and_per_class_alpha_match_krippendorff_on_a_project(project) -> None:
    report = quality_report(project.frames, ReportParams()).to_dict()["agreement"]
    data = _reliability(project.truth_units)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert report["alpha"] == pytest.approx(expected, rel=1e-9)
    assert report["n_units"] == int((np.isfinite(data).sum(axis=0) >= 2).sum())
    for row in report["per_class"]:
        binary = np.where(np.isfinite(data), (data == row["class_id"]).astype(float), np.nan)
        expected_class = krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")
        assert row["alpha"] == pytest.approx(expected_class, rel=1e-9)


def test_single_annotator_gives_none_with_a_reason(project) -> None:
    frames = project.frames
    one = frames.annotations[frames.annotations["annotator_id"] == 10]
    stats = compute_shard(ReportFrames(frames.items, frames.gold, one))
    agreement = finalize(stats).to_dict()["agreement"]
    assert agreement["alpha"] is None
    assert "pairable" in agreement["reason"]
    assert agreement["per_class"] == []
