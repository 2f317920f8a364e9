"""/healthz and /readyz: open probes that say what is down, and nothing more."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from apps.common import health
from configs.celery import app as celery_app
from tests.apps.conftest import reset_connections
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.django_db

CHECKS = {"database", "migrations", "cache", "broker"}


def test_liveness_answers_without_credentials(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_on_the_embedded_default(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and set(body["checks"]) == CHECKS
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "not configured"  # tasks run in-process


def test_a_failing_database_is_503_by_its_kind_without_its_message(client, monkeypatch):
    def down() -> str:
        raise OperationalError('connection to server at "db.internal" (10.0.0.5) failed')

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["status"] == "failed: OperationalError"
    assert body["checks"]["cache"]["status"] == "ok"
    assert "db.internal" not in response.content.decode()


def test_pending_migrations_are_not_ready(client, monkeypatch):
    class Executor:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})

        def migration_plan(self, targets):
            return [("workflow", "0007_next"), ("costs", "0005_next")]

    monkeypatch.setattr(health, "MigrationExecutor", Executor)
    monkeypatch.setattr(health, "_migrations_applied", False)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["status"] == "failed: 2 pending"


def test_a_cache_that_loses_writes_is_not_ready(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["status"] == "failed: value not read back"


def test_probes_take_only_get(client):
    assert client.post("/readyz").status_code == 405


@pytest.fixture
def broker_url():
    """Point the Celery app at a broker (no worker: only the connection is checked)."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}

    def use(url: str) -> None:
        celery_app.conf.update(broker_url=url, task_always_eager=False)
        reset_connections(celery_app)

    yield use
    celery_app.conf.update(saved)
    reset_connections(celery_app)


@pytest.mark.redis
def test_a_configured_broker_is_checked(client, broker_url):
    broker_url(REDIS_URL)
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["status"] == "ok"

    broker_url("redis://127.0.0.1:1/0")  # nothing listens there
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["broker"]["status"].startswith("failed: ")
    assert "127.0.0.1" not in down.content.decode()
