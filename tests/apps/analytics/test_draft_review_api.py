"""Draft review through the API: drafts kept, wrong drafts on gold passed through, who may ask."""

from __future__ import annotations

import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.projects.models import Project
from tests.apps.analytics.draftwork import BACKGROUND, PERSON, DraftProgram, draft_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(project, make_member, client_for) -> DraftProgram:
    program = draft_program(project, make_member, client_for)
    program.keep_the_regular_draft(program.stamp)
    return program


@pytest.fixture
def qa(project, make_member, client_for):
    return client_for(make_member(project, Role.QA_MANAGER).user)


def test_counts_per_annotator(program, qa):
    response = qa.get(program.url, {"min_wrong_drafts": 2, "max_pass_through": 0.1})

    assert response.status_code == 200, response.content
    body = response.json()
    rows = {row["username"]: row for row in body["annotators"]}
    stamp, careful = rows["stamp"], rows["careful"]
    assert (stamp["drafts_reviewed"], stamp["kept"], stamp["gold_drafts"]) == (4, 4, 3)
    assert (stamp["wrong_drafts"], stamp["passed_through"]) == (2, 2)
    assert (stamp["passed_wrong_class"], stamp["passed_spurious"]) == (1, 1)
    assert stamp["passed_items"] == [program.gold.pk]
    assert stamp["over_trusts"] is True
    assert stamp["pass_through_low"] == pytest.approx(0.342, abs=1e-3)
    assert (careful["drafts_reviewed"], careful["kept"], careful["passed_through"]) == (3, 1, 0)
    assert careful["over_trusts"] is False and careful["pass_through_rate"] == 0.0
    assert body["totals"]["wrong_gold_drafts"] == 2
    assert body["totals"]["wrong_by_kind"] == {"wrong_class": 1, "poor_box": 0, "spurious": 1}
    assert body["params"]["kept_iou"] == 0.95  # the project's "approved as is" IoU


def test_kept_iou_may_be_zero_like_the_projects_threshold(program, qa, project):
    project.effort_approved_iou = project.effort_minor_iou = 0.0
    project.save()

    body = qa.get(program.url).json()
    assert body["params"]["kept_iou"] == 0.0
    rows = {row["username"]: row for row in body["annotators"]}
    assert (
        rows["careful"]["kept"] == 1
    )  # the relabeled and the deleted drafts still count as changed


def test_default_minimum_keeps_two_wrong_drafts_from_flagging(program, qa):
    rows = qa.get(program.url).json()["annotators"]

    assert not any(row["over_trusts"] for row in rows)


def test_filters(program, qa, project):
    other = project.cohorts.create(name="Vendor B", kind="managed", vendor="Beta")
    person = project.classes.get(name="person")

    assert qa.get(program.url, {"cohort": other.pk}).json()["annotators"] == []
    assert qa.get(program.url, {"label_class": person.pk}).json()["annotators"] == []
    future = qa.get(program.url, {"since": "2999-01-01T00:00Z"}).json()
    assert future["annotators"] == [] and future["totals"]["drafts_reviewed"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"max_pass_through": 2}, "max_pass_through"),
        ({"kept_iou": 1.5}, "kept_iou"),
        ({"min_wrong_drafts": 0}, "min_wrong_drafts"),
        ({"since": "2026-02-01T00:00Z", "until": "2026-01-01T00:00Z"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"window": "1M"}, "window"),
        ({"window": "soon"}, "window"),
    ],
)
def test_bad_query_names_the_field(program, qa, query, field):
    response = qa.get(program.url, query)

    assert response.status_code == 400 and field in response.json()


def test_ids_of_another_project_are_refused(program, qa):
    elsewhere = Project.objects.create(name="Elsewhere")
    cls = elsewhere.classes.create(name="tree")
    cohort = elsewhere.cohorts.create(name="C", kind="managed", vendor="V")

    assert "label_class" in qa.get(program.url, {"label_class": cls.pk}).json()
    assert "cohort" in qa.get(program.url, {"cohort": cohort.pk}).json()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE])
def test_only_managers_may_ask(program, project, make_member, client_for, role):
    client = client_for(make_member(project, role).user)

    assert client.get(program.url).status_code == 403


def test_later_edits_do_not_rewrite_what_was_submitted(program, qa, project, lead_client):
    """The rubber stamp's kept drafts stay passed through after the shapes are fixed or deleted."""
    person = project.classes.get(name="person")
    kept = Annotation.objects.filter(item=program.gold, author=program.stamp, source="human")
    relabel = kept.get(x=PERSON[0])
    fixed = lead_client.patch(
        f"/api/annotations/{relabel.pk}/",
        {"version": relabel.version, "label_class": person.pk, "reason": "it is a person"},
        format="json",
    )
    assert fixed.status_code == 200, fixed.content
    spurious = kept.get(x=BACKGROUND[0])
    gone = lead_client.delete(
        f"/api/annotations/{spurious.pk}/?version={spurious.version}&reason=background"
    )
    assert gone.status_code == 204, gone.content

    rows = {row["username"]: row for row in qa.get(program.url).json()["annotators"]}
    assert (rows["stamp"]["wrong_drafts"], rows["stamp"]["passed_through"]) == (2, 2)


def test_pass_through_per_window(program, qa):
    body = qa.get(program.url, {"window": "1D"}).json()

    assert body["window"] == "1D"
    rows = {row["username"]: row for row in body["by_window"]}
    assert set(rows) == {"stamp", "careful"}  # both met the two wrong drafts today
    assert (rows["stamp"]["wrong_drafts"], rows["stamp"]["passed_through"]) == (2, 2)
    assert rows["careful"]["pass_through_rate"] == 0.0
    assert qa.get(program.url).json()["by_window"] is None
