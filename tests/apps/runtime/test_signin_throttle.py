"""Failed sign-ins per client address: the token API, the sign-in page and the admin's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from apps.common import throttling

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


@pytest.fixture
def alice(settings):
    settings.LABELQC_SIGNIN_FAILURES = 3
    settings.LABELQC_SIGNIN_WINDOW_SECONDS = 600
    return get_user_model().objects.create_user(username="alice", password="right-pw-1")


def token_attempt(password: str, address: str = "198.51.100.7", **extra):
    return APIClient().post(
        TOKEN_URL, {"username": "alice", "password": password}, REMOTE_ADDR=address, **extra
    )


def test_the_token_api_refuses_an_address_after_its_failures_even_with_the_right_password(alice):
    for _ in range(3):
        assert token_attempt("guess").status_code == 400
    refused = token_attempt("right-pw-1")
    assert refused.status_code == 429, refused.content
    assert "Too many failed sign-ins" in refused.json()["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 600
    other_address = token_attempt("right-pw-1", address="198.51.100.8")
    assert other_address.status_code == 200 and other_address.json()["token"]


def test_successful_sign_ins_are_not_counted(alice):
    for _ in range(10):
        assert token_attempt("right-pw-1").status_code == 200
    assert token_attempt("guess").status_code == 400
    assert token_attempt("right-pw-1").status_code == 200


def test_requests_without_credentials_are_not_counted_as_guesses(alice):
    for _ in range(5):
        assert APIClient().post(TOKEN_URL, {}, REMOTE_ADDR="198.51.100.7").status_code == 400
    assert token_attempt("right-pw-1").status_code == 200


def test_the_count_starts_again_in_the_next_window(alice, monkeypatch):
    now = 1_800_000_000.0  # a window boundary for 600 s
    monkeypatch.setattr(throttling.time, "time", lambda: now + 10)
    for _ in range(3):
        token_attempt("guess")
    refused = token_attempt("right-pw-1")
    assert refused.status_code == 429 and refused["Retry-After"] == "590"
    monkeypatch.setattr(throttling.time, "time", lambda: now + 600)
    assert token_attempt("right-pw-1").status_code == 200


def test_the_sign_in_page_refuses_with_a_message_and_429(alice):
    client = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(3):
        failed = client.post("/accounts/login/", {"username": "alice", "password": "guess"})
        assert failed.status_code == 200 and not failed.wsgi_request.user.is_authenticated
    refused = client.post("/accounts/login/", {"username": "alice", "password": "right-pw-1"})
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your address" in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    assert token_attempt("right-pw-1", address="198.51.100.9").status_code == 429


def test_the_admin_sign_in_is_throttled_with_the_same_count(alice):
    alice.is_staff = True
    alice.save()
    for _ in range(3):
        token_attempt("guess", address="198.51.100.10")
    client = Client(REMOTE_ADDR="198.51.100.10")
    refused = client.post("/admin/login/", {"username": "alice", "password": "right-pw-1"})
    assert "Too many failed sign-ins from your address" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_a_proxy_the_forwarded_address_counts(alice, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    for _ in range(3):
        token_attempt("guess", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    blocked = token_attempt("right-pw-1", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert blocked.status_code == 429
    allowed = token_attempt("right-pw-1", address=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert allowed.status_code == 200


def test_failures_are_logged_with_the_address_and_never_the_password(alice, caplog):
    caplog.set_level("INFO", logger="labelqc.signin")
    for _ in range(3):
        token_attempt("guess-pw-9")
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "labelqc.signin"]
    assert messages[0] == (
        "INFO",
        "failed sign-in for 'alice' from 198.51.100.7 (1 in this window)",
    )
    assert messages[-1][0] == "WARNING"  # the failure that reaches the limit
    assert "guess-pw-9" not in caplog.text
