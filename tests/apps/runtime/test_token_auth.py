"""`Authorization: Token <key>`: the hand-written lookup answers as DRF's own does; tokens expire
and can be revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
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


def sign_in(user) -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": user.username, "password": "pw-123456"}
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_token_expires_after_its_max_age_and_sign_in_replaces_it(project, annotator, settings):
    settings.LABELQC_TOKEN_MAX_AGE_DAYS = 30
    key = sign_in(annotator.user)
    assert sign_in(annotator.user) == key  # the same key while it is valid
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=30, seconds=1))
    expired = token_client(key).get(f"/api/projects/{project.pk}/me/stats/")
    assert expired.status_code == 401
    assert expired.json()["detail"] == "Token expired; sign in again for a new one."
    fresh = sign_in(annotator.user)
    assert fresh != key
    assert token_client(fresh).get(f"/api/projects/{project.pk}/me/stats/").status_code == 200
    assert not Token.objects.filter(key=key).exists()


def test_a_token_a_day_short_of_its_max_age_still_works(project, annotator, settings):
    settings.LABELQC_TOKEN_MAX_AGE_DAYS = 30
    key = sign_in(annotator.user)
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=29))
    assert token_client(key).get(f"/api/projects/{project.pk}/me/stats/").status_code == 200


def test_revoking_a_token_signs_out_every_client_using_it(project, annotator):
    key = sign_in(annotator.user)
    assert token_client(key).delete("/api/auth/token/").status_code == 204
    refused = token_client(key).get(f"/api/projects/{project.pk}/me/stats/")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."
    assert sign_in(annotator.user) != key


def test_revoking_needs_credentials(annotator):
    response = APIClient().delete("/api/auth/token/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
