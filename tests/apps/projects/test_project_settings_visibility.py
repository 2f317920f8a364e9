"""Only managing roles see a project's gold, honeypot, review and fault settings."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.projects.models import Annotator, Project

pytestmark = pytest.mark.django_db

SUMMARY = {"id", "name", "description", "lease_minutes", "created_at", "updated_at"}
HIDDEN = {"honeypot_initial_count", "honeypot_rate", "gold_target_accuracy", "settings"}


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE])
def test_labelers_and_finance_get_the_summary(project, make_member, client_for, role):
    project.honeypot_initial_count = 2
    project.settings = {"fault_rules": {"drift": {"window": "7D"}}}
    project.save()
    client = client_for(make_member(project, role).user)
    detail = client.get(f"/api/projects/{project.pk}/").json()
    assert set(detail) == SUMMARY
    listed = client.get("/api/projects/").json()["results"]
    assert [set(p) for p in listed] == [SUMMARY]


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.PROJECT_LEAD, Role.ADMIN])
def test_managers_get_the_settings(project, make_member, client_for, role):
    client = client_for(make_member(project, role).user)
    assert set(client.get(f"/api/projects/{project.pk}/").json()) >= HIDDEN
    assert set(client.get("/api/projects/").json()["results"][0]) >= HIDDEN


def test_the_list_answers_per_project_by_the_callers_role_there(project, make_member, client_for):
    other = Project.objects.create(name="Other program")
    member = make_member(project, Role.ANNOTATOR)
    make_member(other, Role.QA_MANAGER, username="qa-too")
    Annotator.objects.filter(project=other).update(user=member.user)
    listed = {
        p["id"]: set(p) for p in client_for(member.user).get("/api/projects/").json()["results"]
    }
    assert listed[project.pk] == SUMMARY
    assert listed[other.pk] >= HIDDEN
