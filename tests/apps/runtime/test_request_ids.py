"""Request ids: every response names its id, every log line of the request carries it, and the
tasks the request starts log under it too (on a real worker and on the embedded task thread)."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.common.request_ids import NONE, REQUEST_ID, JsonFormatter, PlainFormatter
from configs.celery import app as celery_app

seen_by_task: list[str] = []
task_ran = threading.Event()


@celery_app.task(name="labelqc.tests.request_id_seen")
def request_id_seen() -> str:
    seen_by_task.append(REQUEST_ID.get())
    task_ran.set()
    return REQUEST_ID.get()


@pytest.fixture
def signin_log() -> Iterator[io.StringIO]:
    """labelqc.signin's and django.request's lines, as LOG_FORMAT=json writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("labelqc.signin", "django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield stream
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def test_a_response_names_a_new_id_or_the_proxys(client, settings) -> None:
    fresh = client.get("/healthz")["X-Request-ID"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0
    assert client.get("/healthz")["X-Request-ID"] != fresh
    # No proxy in front: a client's own id is not taken (it could reuse someone else's).
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-7.a:1")["X-Request-ID"] != "edge-7.a:1"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client.get("/healthz", HTTP_X_REQUEST_ID="edge-7.a:1")["X-Request-ID"] == "edge-7.a:1"
    for unsafe in ("two words", "x" * 65, "a\u00e9", "id;drop"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=unsafe)["X-Request-ID"]
        assert answered != unsafe and len(answered) == 32


@pytest.mark.django_db
def test_the_requests_log_lines_carry_its_id(signin_log, settings) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    get_user_model().objects.create_user(username="alice", password="right-pw-1")
    response = APIClient().post(
        "/api/auth/token/",
        {"username": "alice", "password": "wrong"},
        HTTP_X_REQUEST_ID="req-123",
    )
    assert response.status_code == 400 and response["X-Request-ID"] == "req-123"
    lines = [json.loads(line) for line in signin_log.getvalue().splitlines()]
    # django.request logs the 400 after the middleware has answered: it carries the id as well
    assert [(line["logger"], line["level"], line["request_id"]) for line in lines] == [
        ("labelqc.signin", "INFO", "req-123"),
        ("django.request", "WARNING", "req-123"),
    ]
    assert lines[0]["time"].endswith("+00:00") and "wrong" not in signin_log.getvalue()
    assert REQUEST_ID.get() == NONE  # nothing leaks past the request


def test_the_plain_format_shows_the_id_and_the_json_format_the_traceback() -> None:
    record = logging.LogRecord("labelqc.x", logging.ERROR, __file__, 1, "went %s", ("wrong",), None)
    token = REQUEST_ID.set("abc")
    try:
        assert PlainFormatter().format(record).endswith("ERROR labelqc.x [abc]: went wrong")
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record.exc_info = sys.exc_info()
        entry = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert entry["message"] == "went wrong" and "ValueError: boom" in entry["exception"]


def test_the_embedded_task_thread_logs_under_the_dispatching_requests_id(settings) -> None:
    settings.LABELQC_INPROCESS_TASKS = "thread"
    seen_by_task.clear()
    task_ran.clear()
    token = REQUEST_ID.set("from-request")
    try:
        request_id_seen.delay()
    finally:
        REQUEST_ID.reset(token)
    assert task_ran.wait(30)
    assert seen_by_task == ["from-request"]


@pytest.mark.redis
def test_a_worker_task_logs_under_the_dispatching_requests_id(redis_celery) -> None:
    token = REQUEST_ID.set("from-request")
    try:
        started_in_request = request_id_seen.delay()
    finally:
        REQUEST_ID.reset(token)
    assert started_in_request.get(timeout=60) == "from-request"
    assert request_id_seen.delay().get(timeout=60) == NONE  # no request, no id; none left over
