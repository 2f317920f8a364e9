"""`Authorization: Token <key>`: the hand-written lookup answers as DRF's own does."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.common.roles import Role
from apps.projects.selectors import membership_for


@pytest.fixture
def annotator(project, make_member):
    return make_member(project, Role.ANNOTATOR)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_valid_token_authenticates_as_its_user(project, annotator):
    key = Token.objects.create(user=annotator.user).key
    response = token_client(key).get(f"/api/projects/{project.pk}/me/stats/")
    assert response.status_code == 200, response.content


def test_an_unknown_token_is_refused_as_invalid(project, annotator):
    Token.objects.create(user=annotator.user)
    response = token_client("0" * 40).get(f"/api/projects/{project.pk}/me/stats/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "Invalid token."


def test_an_inactive_users_token_is_refused(project, annotator):
    key = Token.objects.create(user=annotator.user).key
    annotator.user.is_active = False
    annotator.user.save()
    response = token_client(key).get(f"/api/projects/{project.pk}/me/stats/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "User inactive or deleted."


def test_membership_lookup_returns_the_project_with_converted_fields(project, annotator):
    project.settings = {"queue": {"note": "from JSON"}}
    project.save()
    member = membership_for(user=annotator.user, project_id=project.pk)
    assert member.pk == annotator.pk and member.role == Role.ANNOTATOR
    assert member.project.settings == {"queue": {"note": "from JSON"}}
    assert member.project.created_at.tzinfo is not None
    annotator.is_active = False
    annotator.save()
    assert membership_for(user=annotator.user, project_id=project.pk) is None
