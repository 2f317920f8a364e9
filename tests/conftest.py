"""Shared fixtures, and the rules for tests that need real PostgreSQL or Redis.

Tests marked `postgres` run only when the test database is PostgreSQL (the PostgreSQL pass of
bin/test sets DATABASE_URL); tests marked `redis` need Redis on REDIS_URL (default
127.0.0.1:6379). Otherwise they skip with the reason shown, and under
LABELQC_REQUIRE_SERVICES=1 such a skip is a failure.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

pytest_plugins = ["tests.chromium"]

REQUIRE_SERVICES = os.environ.get("LABELQC_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("LABELQC_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def _database_vendor() -> str:
    from django.db import connection

    return connection.vendor


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Tests create many users; a deliberately slow production hash would dominate their time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    """Each test starts with an empty cache: no page section, rule fact or throttle count left
    over from an earlier test (the embedded default's cache lives as long as the process)."""
    from django.core.cache import cache

    cache.clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and _database_vendor() != "postgresql":
        reason = "needs PostgreSQL: set DATABASE_URL (bin/test runs a PostgreSQL pass)"
        if REQUIRE_SERVICES and os.environ.get("LABELQC_TEST_PASS") == "postgres":
            pytest.fail(f"LABELQC_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    if item.get_closest_marker("redis") and not reachable(REDIS_URL, 6379):
        reason = f"needs Redis at {REDIS_URL}"
        if REQUIRE_SERVICES:
            pytest.fail(f"LABELQC_REQUIRE_SERVICES=1 but {reason} is unreachable")
        pytest.skip(reason)
