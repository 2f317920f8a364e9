"""Confusion matrix and missing rate by density against labelqc.quality as the oracle."""

import pandas as pd
import pytest

from labelqc.quality import class_confusion_matrix, compare_to_gold, missing_rate_by_density
from labelqc.report import ReportParams, quality_report

PARAMS = ReportParams(iou_threshold=0.5)


@pytest.fixture(scope="module")
def report_and_gold_items(project):
    frames = project.frames
    gold_items = frames.items["item_id"][frames.items["is_gold"]].to_numpy()
    return quality_report(frames, PARAMS).to_dict(), gold_items


def test_confusion_matrix_matches_quality(project, report_and_gold_items) -> None:
    report, gold_items = report_and_gold_items
    oracle = class_confusion_matrix(
        project.frames.gold, project.frames.annotations, 0.5, gold_items=gold_items
    )
    assert report["confusion"]["labels"] == list(oracle.index)
    assert report["confusion"]["matrix"] == oracle.to_numpy().tolist()


@pytest.mark.parametrize(
    ("kind", "by"), [("overall", None), ("annotator", "annotator_id"), ("cohort", "cohort_id")]
)
def test_missing_rate_by_density_matches_quality(project, report_and_gold_items, kind, by) -> None:
    report, gold_items = report_and_gold_items
    comparison = compare_to_gold(
        project.frames.gold,
        project.frames.annotations,
        0.5,
        class_aware=False,
        gold_items=gold_items,
    )
    oracle = missing_rate_by_density(comparison, PARAMS.density_buckets, by=by)
    rows = report["missing_by_density"][kind]
    assert len(rows) == len(oracle)
    got = {(r["entity"], r["density_bucket"]): r for r in rows}
    for expected in oracle.itertuples(index=False):
        entity = 0 if by is None else int(getattr(expected, by))
        row = got[(entity, expected.density_bucket)]
        assert (row["n_items"], row["n_instances"], row["n_missed"]) == (
            expected.n_items,
            expected.n_instances,
            expected.n_missed,
        )
        if pd.isna(expected.missing_rate):
            assert row["missing_rate"] is None
        else:
            assert row["missing_rate"] == pytest.approx(float(expected.missing_rate), rel=1e-12)
