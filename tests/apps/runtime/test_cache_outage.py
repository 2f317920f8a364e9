"""A Redis cache that stops answering costs speed, not requests: pages compute what they would
have read, sign-in goes on (its throttle fails open), /readyz reports the outage, and the log
says so once rather than on every call."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.test import Client
from rest_framework.test import APIClient

from apps.common import cache as cache_module
from apps.common.cache import TolerantRedisCache
from apps.demo.services import seed_demo
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused


def redis_cache(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "apps.common.cache.TolerantRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "labelqc-test",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }


@pytest.fixture(autouse=True)
def fresh_breaker():
    """Each test starts with the cache neither broken nor recently warned about."""
    cache_module._broken_until.clear()
    cache_module._last_warning.clear()
    yield
    cache_module._broken_until.clear()
    cache_module._last_warning.clear()


@pytest.fixture
def redis_down(settings):
    settings.CACHES = redis_cache(UNREACHABLE)
    assert isinstance(caches["default"], TolerantRedisCache)


def test_reads_miss_and_writes_are_skipped(redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="labelqc.cache")
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.incr("k", 3) == 3
    assert cache.get_many(["a", "b"]) == {}
    cache.set_many({"a": 1})
    cache.delete("k")
    warnings = [r for r in caplog.records if r.name == "labelqc.cache"]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "ConnectionError" in warnings[0].getMessage()


def test_pages_sign_in_and_readiness_during_an_outage(redis_down):
    project = seed_demo(n_items=12)
    page = Client()
    page.force_login(get_user_model().objects.get(username="lead"))
    assert page.get(f"/projects/{project.pk}/lead/").status_code == 200

    api = APIClient()
    for _ in range(3):
        wrong = api.post("/api/auth/token/", {"username": "lead", "password": "nope"})
        assert wrong.status_code == 400, wrong.content
    right = api.post("/api/auth/token/", {"username": "lead", "password": "labelqc-demo"})
    assert right.status_code == 200, right.content

    ready = Client().get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"]["status"] == "failed: ConnectionError"


@pytest.mark.redis
def test_a_reachable_redis_is_used_as_is(settings):
    settings.CACHES = redis_cache(REDIS_URL)
    assert isinstance(caches["default"], TolerantRedisCache)
    cache.delete_many(["roundtrip", "counter"])
    cache.set("roundtrip", {"n": 1}, 30)
    assert cache.get("roundtrip") == {"n": 1}
    assert cache.add("counter", 0, 30) is True
    assert cache.incr("counter") == 1
    with pytest.raises(ValueError):  # a missing key is still an error, as in Django's backend
        cache.incr("never-set")
    cache.delete_many(["roundtrip", "counter"])
    assert cache.get("roundtrip") is None
    assert Client().get("/readyz").json()["checks"]["cache"]["status"] == "ok"


def test_a_read_only_replica_after_a_failover_is_tolerated_too(settings, monkeypatch):
    from redis.exceptions import ReadOnlyError

    settings.CACHES = redis_cache(UNREACHABLE)

    def read_only(*args, **kwargs):
        raise ReadOnlyError("You can't write against a read only replica.")

    backend = caches["default"]
    monkeypatch.setattr(type(backend._cache), "set", read_only)
    monkeypatch.setattr(type(backend._cache), "incr", read_only)
    cache.set("k", 1)
    assert cache.incr("k") == 1


def test_after_a_failure_the_cache_is_left_alone_for_a_while(redis_down, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    calls: list[str] = []
    real_get = RedisCache.get

    def counted_get(self, *args, **kwargs):
        calls.append("get")
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "get", counted_get)
    assert cache.get("a") is None  # refused: the breaker opens
    for _ in range(5):
        assert cache.get("a", "miss") == "miss"
    assert calls == ["get"]  # a hung Redis would have cost six timeouts
    monkeypatch.setattr(cache_module, "BREAK_SECONDS", 0.0)
    cache_module._broken_until.clear()
    cache.get("a")
    assert calls == ["get", "get"]  # once the break is over, Redis is tried again
