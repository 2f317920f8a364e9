"""Drift section (a planted drop found at its window) and class-mix PSI of the report."""

import pandas as pd
import pytest

from labelqc.drift import psi, psi_band
from labelqc.report import ReportParams, quality_report

PARAMS = ReportParams(window="1D", baseline_windows=7)


@pytest.fixture(scope="module")
def drifting(project_factory):
    # Annotator 11 starts missing half of the objects on day 12.
    project = project_factory(n_items=600, seed=3, late_miss={11: (12, 0.5)})
    return project, quality_report(project.frames, PARAMS).to_dict()


def _metric(report: dict, kind: str, entity: int, metric: str) -> dict:
    rows = report["drift"]["entities"][kind]
    return next(r for r in rows if r["entity"] == entity)["metrics"][metric]


def test_planted_drop_is_flagged_at_its_window(drifting) -> None:
    project, report = drifting
    start = pd.Timestamp(project.frames.annotations["created_at"].min()).floor("1D")
    shift_day = (start + pd.Timedelta(days=12)).isoformat()
    drifter = _metric(report, "annotator", 11, "gold_correct")
    assert drifter["reason"] is None
    assert drifter["first_signal"]["p_chart"] == shift_day
    assert drifter["first_signal"]["cusum_lower"] == shift_day
    assert drifter["first_signal"]["cusum_upper"] is None
    steady = _metric(report, "annotator", 10, "gold_correct")
    assert steady["first_signal"]["p_chart"] is None
    assert {
        "kind": "annotator",
        "entity": 11,
        "metric": "gold_correct",
        "signal": "p_chart",
        "window_start": shift_day,
    } in report["drift"]["alerts"]


def test_series_add_up_to_the_gold_scores(drifting) -> None:
    _, report = drifting
    scores = {r["entity"]: r for r in report["scores"]["annotator"]}
    for entity in (10, 11, 12):
        series = _metric(report, "annotator", entity, "gold_correct")["series"]
        assert sum(series["n"]) == scores[entity]["tp"] + scores[entity]["fn"]
        correct = sum(n * v for n, v in zip(series["n"], series["value"], strict=True))
        assert correct == pytest.approx(scores[entity]["tp"])
        # Limits exist only for monitored windows (after the 7-window baseline).
        assert series["ewma_ucl"][:7] == [None] * 7
        assert all(v is not None for v in series["ewma_ucl"][7:])
        iou = _metric(report, "annotator", entity, "iou")
        assert iou["target"] == pytest.approx(scores[entity]["iou_mean"], abs=0.05)


def test_class_mix_psi_equals_a_direct_computation(drifting) -> None:
    project, report = drifting
    annotations = project.frames.annotations.assign(
        day=project.frames.annotations["created_at"].dt.floor("1D")
    )
    first, last = annotations["day"].min(), annotations["day"].max()

    def mix(frame: pd.DataFrame) -> dict[int, float]:
        return {int(k): float(v) for k, v in frame["class_id"].value_counts().items()}

    overall = report["class_mix"]["overall"]
    expected = psi(
        mix(annotations[annotations["day"] == first]), mix(annotations[annotations["day"] == last])
    )
    assert overall["psi"] == pytest.approx(expected, rel=1e-12)
    assert overall["band"] == psi_band(expected)
    assert overall["first_window"] == first.isoformat()
    assert overall["last_window"] == last.isoformat()
    own = annotations[annotations["annotator_id"] == 12]
    row = next(r for r in report["class_mix"]["annotator"] if r["entity"] == 12)
    expected_12 = psi(
        mix(own[own["day"] == own["day"].min()]), mix(own[own["day"] == own["day"].max()])
    )
    assert row["psi"] == pytest.approx(expected_12, rel=1e-12)


def test_a_planted_class_mix_shift_is_significant(project_factory) -> None:
    project = project_factory(n_items=300, seed=5)
    annotations = project.frames.annotations.copy()
    last_day = (
        annotations["created_at"].dt.floor("1D") == annotations["created_at"].dt.floor("1D").max()
    )
    annotations.loc[last_day, "class_id"] = 3  # the last day labels everything as class 3
    frames = type(project.frames)(project.frames.items, project.frames.gold, annotations)
    overall = quality_report(frames, PARAMS).to_dict()["class_mix"]["overall"]
    assert overall["band"] == "significant"
