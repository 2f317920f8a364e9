"""The pages on the small demo with workflow rows: every table downloads as CSV that parses and
matches the page, the numbers are the domain core's, filters narrow them, annotators see only
their own work."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.analytics.models import QualityReport
from apps.analytics.services import report_params, shard_frames_from_db
from apps.costs import selectors as cost_selectors
from apps.costs.services import build_report
from apps.dashboards.filters import PageFilters
from apps.dashboards.selectors import pages
from apps.projects.models import Annotator
from apps.workflow.models import Review
from labelqc.cost import actual_costs
from labelqc.report import quality_report

pytestmark = pytest.mark.django_db

PAGE_USERS = {"queue": "reviewer", "lead": "lead", "qa": "qa", "finance": "finance"}


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("page", sorted(PAGE_USERS))
def test_every_table_downloads_as_csv_matching_the_page(worked_demo, login, page):
    client = login(PAGE_USERS[page])
    url = f"/projects/{worked_demo.pk}/{page}/"
    html = client.get(url).content.decode()
    names = sorted(set(re.findall(r"format=csv&amp;table=([a-z_]+)", html)))
    assert names, "the page links no CSV"
    for name in names:
        response = client.get(f"{url}?format=csv&table={name}")
        text = response.content.decode()
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and all(len(r) == len(rows[0]) for r in rows), name
        body = re.search(rf'data-table="{name}">(.*?)</table>', html, re.S)
        rendered = body.group(1).count("<tr") - 1 if body else 0  # minus the header row
        assert len(rows) - 1 == rendered, (name, len(rows) - 1, rendered)


def test_quality_numbers_are_the_reports(worked_demo, login):
    frames = shard_frames_from_db(QualityReport(project=worked_demo, filters={}), None)
    expected = quality_report(frames, report_params(worked_demo, "1D")).to_dict()
    pseudonyms = dict(Annotator.objects.filter(project=worked_demo).values_list("id", "pseudonym"))
    response = login("qa").get(f"/projects/{worked_demo.pk}/qa/?format=csv&table=annotators")
    rows = {r["annotator"]: r for r in csv_rows(response)}
    assert len(rows) == len(expected["scores"]["annotator"]) >= 4
    for score in expected["scores"]["annotator"]:
        row = rows[pseudonyms[score["entity"]]]
        assert float(row["accuracy"]) == pytest.approx(score["accuracy"])
        assert float(row["iou_p10"]) == pytest.approx(score["iou_p10"])
        assert float(row["size_bias_var"]) == pytest.approx(score["size_bias_var"])


def test_quality_page_reads_the_latest_snapshot_unless_filtered(worked_demo, login):
    frames = shard_frames_from_db(QualityReport(project=worked_demo, filters={}), None)
    result = quality_report(frames, report_params(worked_demo, "1D")).to_dict()
    result["totals"]["n_gold_objects"] = 424242  # a marker only the snapshot carries
    snapshot = QualityReport.objects.create(
        project=worked_demo, status="succeeded", result=result, finished_at=timezone.now()
    )
    client = login("qa")
    html = client.get(f"/projects/{worked_demo.pk}/qa/").content.decode()
    assert f"quality report #{snapshot.pk}" in html and "424242" in html
    assert "data changed after this quality report snapshot" not in html
    filtered = client.get(f"/projects/{worked_demo.pk}/qa/?since=2024-01-01").content.decode()
    assert "424242" not in filtered and "computed now from current data" in filtered
    old = QualityReport.objects.create(
        project=worked_demo,
        status="succeeded",
        result=result,
        finished_at=timezone.now() - timedelta(days=3650),
    )
    html = client.get(f"/projects/{worked_demo.pk}/qa/").content.decode()
    assert f"quality report #{old.pk}" in html
    assert "data changed after this quality report snapshot" in html


def test_quality_filters_narrow_the_annotators(worked_demo, login):
    cohort = worked_demo.cohorts.get(name="Crowd pool")
    members = set(Annotator.objects.filter(cohort=cohort).values_list("pseudonym", flat=True))
    response = login("qa").get(
        f"/projects/{worked_demo.pk}/qa/?cohort={cohort.pk}&format=csv&table=annotators"
    )
    shown = {r["annotator"] for r in csv_rows(response)}
    assert shown and shown <= members


def test_drift_charts_follow_the_chosen_entity(worked_demo, login):
    client = login("qa")
    page = pages.qa_page(worked_demo, PageFilters(), "class-999999")
    assert page.context["drift_selected"] != "class-999999" and page.context["drift_missing"]
    chosen = page.context["drift_options"][0]["key"]
    html = client.get(f"/projects/{worked_demo.pk}/qa/?drift={chosen}").content.decode()
    assert f'value="{chosen}" selected' in html
    figure = pages.qa_page(worked_demo, PageFilters(), chosen).figures["drift_gold_correct"]
    assert figure["data"] and figure["data"][0]["x"]


def test_lead_page_shows_compliance_overdue_jobs_and_throughput(worked_demo, login):
    client = login("lead")
    url = f"/projects/{worked_demo.pk}/lead/"
    compliance = csv_rows(client.get(f"{url}?format=csv&table=compliance"))
    assert {r["class"] for r in compliance} == set(
        worked_demo.classes.order_by("id").values_list("name", flat=True)[:2]
    )
    overdue = csv_rows(client.get(f"{url}?format=csv&table=overdue"))
    pending = Review.objects.filter(project=worked_demo, status="pending", queue="review")
    assert {int(r["review"]) for r in overdue} >= set(pending.values_list("pk", flat=True))
    throughput = csv_rows(client.get(f"{url}?format=csv&table=throughput"))
    assert all(int(r["backlog"]) >= 0 and int(r["in_progress"]) >= 0 for r in throughput)
    assert (
        sum(int(r["submitted"]) for r in throughput)
        == worked_demo.assignments.filter(submitted_at__isnull=False).count()
    )
    html = client.get(url).content.decode()
    assert re.search(r'data-job-id="\d+" data-running="1"', html)


def test_finance_tables_are_the_cost_reports_and_filters_narrow_them(worked_demo, login):
    client = login("finance")
    url = f"/projects/{worked_demo.pk}/finance/"
    snapshot = cost_selectors.latest_report(project_id=worked_demo.pk)
    expected = (
        snapshot.result
        if snapshot is not None
        else build_report(worked_demo, {"period": "W", "confidence": 0.9, "remaining_labels": None})
    )
    rows = csv_rows(client.get(f"{url}?format=csv&table=by_cohort"))
    cohorts = {r["cohort_name"]: r for r in rows}
    for row in expected["tables"]["by_cohort"]:
        assert float(cohorts[row["cohort_name"]]["total_cost"]) == pytest.approx(row["total_cost"])
    # Filtered: the cost rows of one cohort, priced on the whole work log, computed now.
    crowd = worked_demo.cohorts.get(name="Crowd pool")
    narrowed = csv_rows(client.get(f"{url}?cohort={crowd.pk}&format=csv&table=by_cohort"))
    assert [r["cohort_name"] for r in narrowed] == ["Crowd pool"]
    log = cost_selectors.worklog(project_id=worked_demo.pk)
    costs = actual_costs(
        log.frame, cost_selectors.pure_rate_cards(project_id=worked_demo.pk), period="W"
    )
    direct = costs.loc[log.frame["cohort_id"] == crowd.pk, "total_cost"].sum()
    assert float(narrowed[0]["total_cost"]) == pytest.approx(direct)
    steps = csv_rows(client.get(f"{url}?cohort={crowd.pk}&format=csv&table=waterfall"))
    total = next(float(s["amount"]) for s in steps if s["label"] == "Total")
    assert total == pytest.approx(direct)


def test_finance_page_without_rate_cards_says_what_is_missing(project, make_member):
    from django.test import Client

    client = Client()
    client.force_login(make_member(project, "finance").user)
    html = client.get(f"/projects/{project.pk}/finance/").content.decode()
    assert "No cost figures yet" in html and "rate_cards" in html


def test_annotators_see_only_their_own_work(worked_demo, login):
    ada = Annotator.objects.get(project=worked_demo, pseudonym="A-01")
    client = login(ada.user.username)
    html = client.get(f"/projects/{worked_demo.pk}/queue/").content.decode()
    others = Annotator.objects.filter(project=worked_demo, role="annotator").exclude(pk=ada.pk)
    assert not any(o.pseudonym in html or f">{o.user.username}<" in html for o in others)
    assert "my_decisions" not in html and 'name="cohort"' not in html
    config = json.loads(re.search(r'id="queue-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["modes"] == ["annotate"] and config["queues"] == []
    rows = csv_rows(
        client.get(f"/projects/{worked_demo.pk}/queue/?format=csv&table=my_submissions")
    )
    assert len(rows) == worked_demo.assignments.filter(annotator=ada).count()
    assert "is_gold" not in rows[0] and "gold_accuracy" not in rows[0]
    denied = client.get(f"/projects/{worked_demo.pk}/queue/?format=csv&table=my_decisions")
    assert denied.status_code == 400


def test_reviewers_get_their_decisions_and_queues(worked_demo, login):
    html = login("reviewer").get(f"/projects/{worked_demo.pk}/queue/").content.decode()
    config = json.loads(re.search(r'id="queue-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["modes"][0] == "review" and "senior_review" in config["queues"]
    assert (
        config["pending"]["review"]
        == Review.objects.filter(project=worked_demo, queue="review", status="pending").count()
    )
    assert "My review decisions" in html
