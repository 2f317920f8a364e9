"""Draft quality by model version, from real submissions over drafts: precision, recall, effort."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.common.roles import Role
from apps.workflow.models import MissedObject
from tests.apps.analytics.draftwork import CAR, DETECTOR, PERSON, box, draft_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def program(project, make_member, client_for):
    """The draft program's gold work, then `careful` keeps the regular item's draft and adds a
    person no draft had."""
    program = draft_program(project, make_member, client_for)
    car, person = project.classes.order_by("pk")
    held = program.pull(program.careful)
    assert held["item"]["id"] == program.regular.pk
    program.submit(program.careful, held, [box(car, CAR), box(person, PERSON)])
    return program


@pytest.fixture
def qa(project, make_member, client_for):
    return client_for(make_member(project, Role.QA_MANAGER).user)


def url(project) -> str:
    return f"/api/projects/{project.pk}/draft-quality/"


def test_per_model_and_class(program, project, qa):
    response = qa.get(url(project))
    assert response.status_code == 200, response.content
    rows = {(r["model_id"], r["class_name"]): r for r in response.json()["rows"]}
    car = rows[(DETECTOR, "car")]
    # 3 gold drafts kept by stamp; careful keeps the car, relabels the person, deletes the
    # background box on gold, and keeps the regular item's car
    assert (car["drafts"], car["kept"], car["deleted"], car["added"]) == (7, 6, 1, 0)
    assert (car["approved_as_is"], car["minor_edit"], car["redrawn"]) == (5, 1, 0)
    assert car["relabeled"] == 1
    assert car["precision"] == pytest.approx(6 / 7) and car["recall"] == 1.0
    assert car["mean_iou"] == pytest.approx(1.0)
    person = rows[(DETECTOR, "person")]
    assert (person["drafts"], person["added"], person["recall"]) == (0, 1, 0.0)
    assert person["precision"] is None and person["mean_iou"] is None
    total = rows[(DETECTOR, "all classes")]
    assert total["label_class"] is None
    assert (total["drafts"], total["kept"], total["added"]) == (7, 6, 1)
    assert total["recall"] == pytest.approx(6 / 7)
    assert MissedObject.objects.get().model_id == DETECTOR


def test_filters(program, project, qa):
    person = project.classes.get(name="person")
    rows = qa.get(url(project), {"label_class": person.pk}).json()["rows"]
    assert [(r["class_name"], r["added"], r["drafts"]) for r in rows] == [
        ("person", 1, 0),
        ("all classes", 1, 0),
    ]
    assert qa.get(url(project), {"model_id": "detector-v9"}).json()["rows"] == []
    assert qa.get(url(project), {"since": "2999-01-01T00:00Z"}).json()["rows"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"label_class": 999999}, "label_class"),
        ({"since": "2026-02-01T00:00Z", "until": "2026-01-01T00:00Z"}, "until"),
        ({"model_id": "x" * 201}, "model_id"),
    ],
)
def test_bad_query_names_the_field(program, project, qa, query, field):
    response = qa.get(url(project), query)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE])
def test_only_managers(project, make_member, client_for, role):
    assert client_for(make_member(project, role).user).get(url(project)).status_code == 403


def test_the_lead_page_shows_it_and_downloads_it(program, project, make_member):
    client = Client()
    client.force_login(make_member(project, Role.PROJECT_LEAD).user)
    page = client.get(f"/projects/{project.pk}/lead/")
    assert page.status_code == 200
    assert "Drafts by model version" in page.content.decode()
    csv = client.get(f"/projects/{project.pk}/lead/?format=csv&table=draft_quality")
    assert csv.status_code == 200
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("model_id,class_name,drafts,precision,recall")
    assert any(line.startswith(f"{DETECTOR},all classes,7,") for line in lines[1:])
