"""Every project setting the API accepts is stored; the effort IoU bands stay ordered."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.projects.models import Project

pytestmark = pytest.mark.django_db

SETTINGS = {
    "gold_target_accuracy": 0.9,
    "review_share": 0.3,
    "effort_approved_iou": 0.9,
    "effort_minor_iou": 0.6,
}


def test_create_stores_every_accepted_setting(client_for):
    staff = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    response = client_for(staff).post("/api/projects/", {"name": "P", **SETTINGS}, format="json")
    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert {key: getattr(project, key) for key in SETTINGS} == SETTINGS


@pytest.mark.parametrize(("key", "value"), SETTINGS.items())
def test_update_stores_each_setting(project, lead_client, key, value):
    response = lead_client.patch(f"/api/projects/{project.pk}/", {key: value}, format="json")
    assert response.status_code == 200, response.content
    project.refresh_from_db()
    assert getattr(project, key) == value


def test_a_minor_band_above_the_stored_approved_band_is_refused(project, lead_client):
    project.effort_approved_iou = 0.8
    project.save()
    url = f"/api/projects/{project.pk}/"
    response = lead_client.patch(url, {"effort_minor_iou": 0.85}, format="json")
    assert response.status_code == 400
    assert "effort_minor_iou" in response.json()
    project.refresh_from_db()
    assert project.effort_minor_iou == 0.75
    assert not AuditEvent.objects.filter(action="project.update").exists()


def test_members_who_may_not_edit_the_project_get_403(project, make_member, client_for):
    annotator = client_for(make_member(project, Role.ANNOTATOR).user)
    url = f"/api/projects/{project.pk}/"
    assert annotator.patch(url, {"review_share": 0.5}, format="json").status_code == 403


@pytest.mark.parametrize("value", [0, 0.0, -0.1, 1.5])
def test_iou_thresholds_outside_0_to_1_are_refused(project, lead_client, value):
    # Found by fuzzing: a class threshold of 0 was stored, then every SLA/quality computation
    # that matches shapes failed with a 500.
    cls = project.classes.first()
    response = lead_client.patch(f"/api/classes/{cls.pk}/", {"iou_threshold": value}, format="json")
    assert response.status_code == 400 and "iou_threshold" in response.json()
    url = f"/api/projects/{project.pk}/"
    response = lead_client.patch(url, {"default_iou_threshold": value}, format="json")
    assert response.status_code == 400 and "default_iou_threshold" in response.json()


def test_an_iou_threshold_of_1_is_accepted(project, lead_client):
    cls = project.classes.first()
    response = lead_client.patch(f"/api/classes/{cls.pk}/", {"iou_threshold": 1}, format="json")
    assert response.status_code == 200 and response.json()["iou_threshold"] == 1.0
    assert lead_client.get(f"/api/projects/{project.pk}/slas/compliance/").status_code == 200
