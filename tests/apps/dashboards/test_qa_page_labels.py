"""The QA page says what it means: the golden-set median as the API gives it, class names in the
confusion CSV header, entity labels (never URL keys) in the drift notes and chart titles."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors import pages
from apps.dashboards.selectors.names import project_names
from apps.dashboards.selectors.quality import confusion_table
from apps.dashboards.selectors.quality_ops import DRIFT_METRICS, drift_section, gold_table
from apps.dashboards.tables import PageData, csv_response
from apps.items.models import Item
from apps.workflow.models import Assignment
from apps.workflow.selectors import gold_usage

pytestmark = pytest.mark.django_db

DRIFT_TITLES = ("drift_gold_correct", "drift_iou", "drift_size_bias")


def test_gold_note_shows_a_half_median_exactly(project):
    for name, uses in (("g0.jpg", 6), ("g1.jpg", 7)):
        item = Item.objects.create(
            project=project, width=10, height=10, file_name=name, is_gold=True
        )
        Assignment.objects.bulk_create(
            Assignment(project=project, item=item, is_gold=True) for _ in range(uses)
        )
    usage = gold_usage(project_id=project.pk)
    assert usage["median_uses"] == 6.5 and usage["over_use_limit"] == 13.0
    assert gold_table(project.pk).note.startswith("median uses 6.5; over-use limit 13;")


def test_confusion_csv_header_names_the_classes(worked_demo, login):
    table = pages.qa_page(worked_demo, PageFilters(), None).tables["confusion"]
    labels = [c.label for c in table.columns[1:]]
    names = set(worked_demo.classes.values_list("name", flat=True))
    assert "unmatched" in labels and set(labels) - {"unmatched"} <= names
    response = login("qa").get(f"/projects/{worked_demo.pk}/qa/?format=csv&table=confusion")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["gold", *labels]
    assert [r[0] for r in rows[1:]] == labels  # rows: gold class, same names


def test_confusion_keys_stay_unique_and_csv_safe(worked_demo):
    names = project_names(worked_demo.pk)
    names.class_names.update({9001: "gold", 9002: "=SUM(A1)", 9003: "unmatched"})
    result = {
        "confusion": {
            "labels": [9001, 9002, 9003, "unmatched"],
            "matrix": [[1, 0, 0, 2], [0, 3, 0, 0], [0, 0, 4, 0], [5, 0, 0, 0]],
        }
    }
    table, labels, _ = confusion_table(result, names)
    assert labels == ["gold", "=SUM(A1)", "unmatched", "unmatched"]
    header = next(csv.reader(io.StringIO(csv_response(table, "x").content.decode())))
    assert header == ["gold", "gold (2)", "'=SUM(A1)", "unmatched", "unmatched (2)"]
    assert table.rows[3] == {
        "gold": "unmatched",
        "gold (2)": 5,
        "'=SUM(A1)": 0,
        "unmatched": 0,
        "unmatched (2)": 0,
    }


def drift_notes(html: str) -> str:
    section = re.search(r'<section class="card" id="drift">(.*?)</section>', html, re.S)
    assert section
    return " ".join(re.findall(r'<p class="note">(.*?)</p>', section.group(1), re.S))


def titles(page) -> list[str]:
    return [page.figures[name]["layout"]["title"]["text"] for name in DRIFT_TITLES]


@pytest.mark.parametrize("query", ["drift=annotator-99", "drift=class-999999"])
def test_missing_drift_entity_note_names_the_shown_entity(worked_demo, login, query):
    key = query.split("=", 1)[1]
    page = pages.qa_page(worked_demo, PageFilters(), key)
    label = page.context["drift_selected_label"]
    chosen = page.context["drift_selected"]
    option = next(o for o in page.context["drift_options"] if o["key"] == chosen)
    assert label == option["label"] and label != chosen
    html = login("qa").get(f"/projects/{worked_demo.pk}/qa/?{query}").content.decode()
    notes = drift_notes(html)
    assert f"The requested chart has no data under these filters; showing {label}." in notes
    assert chosen not in notes
    assert all(t.startswith(f"{label}: ") for t in titles(page))


def test_whole_program_fallback_is_named(worked_demo):
    # Only the program-wide chart under these filters: a requested annotator falls back to it.
    drift = {"reason": None, "entities": {"overall": [{"entity": 0, "metrics": {}}]}, "alerts": []}
    page = PageData()
    drift_section(page, drift, project_names(worked_demo.pk), "annotator-5")
    assert page.context["drift_selected"] == "overall-0" and page.context["drift_missing"]
    assert page.context["drift_selected_label"] == "whole program"
    assert titles(page) == [f"whole program: {d}" for _, d in DRIFT_METRICS]


@pytest.mark.parametrize("drift", ["", "&drift=annotator-5"])
def test_no_drift_data_says_so(worked_demo, login, drift):
    url = f"/projects/{worked_demo.pk}/qa/?since=2030-01-01{drift}"
    notes = drift_notes(login("qa").get(url).content.decode())
    assert notes.startswith("No drift data for these filters")
    assert "showing" not in notes and "None" not in notes


def test_no_drift_data_titles_do_not_start_with_a_colon(worked_demo):
    since = datetime(2030, 1, 1, tzinfo=UTC)
    page = pages.qa_page(worked_demo, PageFilters(since=since, since_day="2030-01-01"), None)
    assert page.context["drift_options"] == [] and page.context["drift_empty"]
    assert titles(page) == [description for _, description in DRIFT_METRICS]
    for name in DRIFT_TITLES:
        message = page.figures[name]["layout"]["annotations"][0]["text"]
        assert message == "No drift data for these filters."


def test_a_stored_rule_that_is_not_an_object_says_so_plainly(project):
    from apps.dashboards.filters import PageFilters
    from apps.dashboards.selectors.quality_ops import rules_table
    from apps.workflow.models import EscalationRule

    EscalationRule.objects.create(project=project, name="broken", definition=[1, 2])
    (row,) = rules_table(project.pk, PageFilters()).rows
    assert row["problem"].startswith("must be an object"), row["problem"]
