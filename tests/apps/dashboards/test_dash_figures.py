"""Every figure the pages build is a valid plotly figure and plain JSON (no NaN, no numpy);
agreement intervals agree with the quality report's point values."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from apps.analytics.models import QualityReport
from apps.analytics.services import report_params, shard_frames_from_db
from apps.dashboards import cost_figures, figures
from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors import pages
from apps.items.models import Item
from labelqc.agreement.grid import agreement_grid
from labelqc.report import quality_report

pytestmark = pytest.mark.django_db


def check(figure: dict) -> None:
    json.dumps(figure, allow_nan=False)
    go.Figure(figure)  # raises on any property plotly does not know


def test_page_figures_are_valid_and_carry_data(worked_demo, django_user_model):
    reviewer = django_user_model.objects.get(username="reviewer")
    built = {
        "lead": pages.lead_page(worked_demo, PageFilters()).figures,
        "qa": pages.qa_page(worked_demo, PageFilters(), None).figures,
        "finance": pages.finance_page(worked_demo, PageFilters()).figures,
    }
    pages.queue_page(reviewer, worked_demo, "reviewer", PageFilters())
    for page, named in built.items():
        assert named, page
        for name, figure in named.items():
            check(figure)
            assert figure["data"], (page, name)  # the worked demo has data for every chart


def test_empty_states_are_figures_that_say_why():
    for figure in (
        figures.iou_boxes([]),
        figures.iaa_bars([], 0.8),
        figures.iaa_heatmap([], [], []),
        figures.confusion([], []),
        figures.drift_chart("t", {}, {}),
        figures.compliance([], [], [], []),
        figures.throughput([], [], [], [], []),
        figures.effort_mix([], {}),
        cost_figures.cost_waterfall([], "USD"),
        cost_figures.forecast([], [], {}, None, "USD"),
        cost_figures.scenarios([], {}, "USD"),
    ):
        check(figure)
        assert figure["data"] == [] and figure["layout"]["annotations"][0]["text"]


def test_iaa_bars_mark_the_floor_and_the_target():
    figure = figures.iaa_bars(
        [
            {"name": "car", "alpha": 0.9, "ci_low": 0.85, "ci_high": 0.95, "n_units": 10},
            {"name": "bike", "alpha": 0.6, "ci_low": 0.5, "ci_high": 0.7, "n_units": 8},
        ],
        target=0.8,
    )
    check(figure)
    lines = sorted(shape["y0"] for shape in figure["layout"]["shapes"])
    assert lines == [0.70, 0.8]
    bars = figure["data"][0]
    assert bars["error_y"]["array"] == pytest.approx([0.05, 0.1])
    assert bars["marker"]["color"] == [figures.OK, figures.BREACH]


def test_agreement_grid_matches_the_report_and_brackets_it(worked_demo):
    frames = shard_frames_from_db(QualityReport(project=worked_demo, filters={}), None)
    report = quality_report(frames, report_params(worked_demo, "1D")).to_dict()
    tags = pd.DataFrame(
        list(Item.objects.filter(project=worked_demo).values_list("id", "scene_tags")),
        columns=["item_id", "scene_tags"],
    )
    names = dict(worked_demo.classes.values_list("id", "name"))
    grid = agreement_grid(frames.annotations, tags, names, iou_threshold=0.5)
    expected = {c["class_id"]: c["alpha"] for c in report["agreement"]["per_class"]}
    by_class = {r["class_id"]: r for r in grid["by_class"]}
    assert by_class[None]["alpha"] == pytest.approx(report["agreement"]["alpha"])
    for class_id, alpha in expected.items():
        row = by_class[class_id]
        assert row["alpha"] == pytest.approx(alpha)
        assert row["ci_low"] <= row["alpha"] <= row["ci_high"]
    scenes = sorted({t for tags in tags["scene_tags"] for t in tags})
    assert grid["scenes"] == ["all scenes", *scenes]
    assert len(grid["cells"]) == len(grid["classes"]) and all(
        len(row) == len(grid["scenes"]) for row in grid["cells"]
    )


def test_agreement_grid_without_overlap_is_empty():
    frame = pd.DataFrame(
        {
            "item_id": [1, 2],
            "annotator_id": [7, 7],
            "class_id": [1, 1],
            "x": [0.0, 0.0],
            "y": [0.0, 0.0],
            "w": [5.0, 5.0],
            "h": [5.0, 5.0],
        }
    )
    tags = pd.DataFrame({"item_id": [1, 2], "scene_tags": [("a",), ("b",)]})
    grid = agreement_grid(frame, tags, {1: "car"}, iou_threshold=0.5)
    assert grid == {"classes": [], "scenes": [], "cells": [], "by_class": []}
