"""Project members: leads manage them, but the admin role and admins stay with admins."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.projects.models import Annotator

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(project, make_member):
    return make_member(project, Role.PROJECT_LEAD)


def test_a_lead_adds_and_changes_members(project, lead, make_member, client_for):
    get_user_model().objects.create_user("newcomer", password="x")
    client = client_for(lead.user)
    added = client.post(
        f"/api/projects/{project.pk}/annotators/", {"username": "newcomer"}, format="json"
    )
    assert added.status_code == 201, added.content
    changed = client.patch(
        f"/api/annotators/{added.json()['id']}/", {"role": "reviewer"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["role"] == "reviewer"
    assert AuditEvent.objects.filter(action="member.update").exists()


def test_a_lead_cannot_make_themselves_admin_and_delete_the_project(project, lead, client_for):
    client = client_for(lead.user)
    refused = client.patch(f"/api/annotators/{lead.pk}/", {"role": "admin"}, format="json")
    assert refused.status_code == 403
    assert "Only an admin may grant the admin role" in refused.json()["detail"]
    assert Annotator.objects.get(pk=lead.pk).role == Role.PROJECT_LEAD
    assert client.delete(f"/api/projects/{project.pk}/").status_code == 403


def test_a_lead_cannot_add_an_admin(project, lead, client_for):
    get_user_model().objects.create_user("accomplice", password="x")
    refused = client_for(lead.user).post(
        f"/api/projects/{project.pk}/annotators/",
        {"username": "accomplice", "role": "admin"},
        format="json",
    )
    assert refused.status_code == 403
    assert not Annotator.objects.filter(user__username="accomplice").exists()


def test_a_lead_cannot_demote_or_deactivate_an_admin(project, lead, make_member, client_for):
    admin = make_member(project, Role.ADMIN)
    client = client_for(lead.user)
    for change in ({"role": "annotator"}, {"is_active": False}, {"cohort": None}):
        response = client.patch(f"/api/annotators/{admin.pk}/", change, format="json")
        assert response.status_code == 403, change
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN and admin.is_active


def test_an_admin_grants_and_removes_the_admin_role(project, lead, make_member, client_for):
    client = client_for(make_member(project, Role.ADMIN).user)
    granted = client.patch(f"/api/annotators/{lead.pk}/", {"role": "admin"}, format="json")
    assert granted.status_code == 200 and granted.json()["role"] == "admin"
    removed = client.patch(f"/api/annotators/{lead.pk}/", {"role": "project_lead"}, format="json")
    assert removed.status_code == 200
