"""With LABELQC_CACHE_URL (or REDIS_URL) the cache is Redis, shared by every process: a failed
sign-in counted by one web process throttles the address in another."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from tests.apps.runtime.embedded_python import run_python
from tests.conftest import REDIS_URL

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

SETTINGS_CACHE = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; django.setup();"
    "from django.conf import settings; c = settings.CACHES['default'];"
    "print(c['BACKEND'].rsplit('.', 1)[-1], c.get('LOCATION'))"
)


def test_the_cache_is_redis_when_configured_and_per_process_otherwise():
    assert run_python(SETTINGS_CACHE).stdout.split() == ["LocMemCache", "labelqc"]
    via_redis_url = run_python(SETTINGS_CACHE, REDIS_URL="redis://cache:6379/0")
    assert via_redis_url.stdout.split() == ["TolerantRedisCache", "redis://cache:6379/0"]
    own = run_python(
        SETTINGS_CACHE, REDIS_URL="redis://cache:6379/0", LABELQC_CACHE_URL="redis://cache:6379/2"
    )
    assert own.stdout.split() == ["TolerantRedisCache", "redis://cache:6379/2"]


def test_failures_counted_by_another_process_throttle_this_one(settings, django_user_model):
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.common.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "labelqc",
        }
    }
    settings.LABELQC_SIGNIN_FAILURES = 3
    django_user_model.objects.create_user(username="alice", password="right-pw-1")
    address = f"test-{uuid.uuid4().hex}"
    other_process = run_python(
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='configs.settings'; "
        "django.setup(); from django.test import RequestFactory; "
        "from apps.common.throttling import record_signin_failure; "
        f"request = RequestFactory().post('/api/auth/token/', REMOTE_ADDR={address!r}); "
        "print([record_signin_failure(request) for _ in range(3)])",
        LABELQC_CACHE_URL=REDIS_URL,
    )
    assert other_process.returncode == 0, other_process.stderr
    assert other_process.stdout.split() == ["[1,", "2,", "3]"]
    # the address is new to this run, and its count expires with the window (no cleanup needed)
    refused = APIClient().post(
        "/api/auth/token/", {"username": "alice", "password": "right-pw-1"}, REMOTE_ADDR=address
    )
    assert refused.status_code == 429, refused.content
