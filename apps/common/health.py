"""Liveness and readiness probes for load balancers, orchestrators and docker compose.

``GET /healthz`` answers 200 while the process serves requests, touching nothing else.
``GET /readyz`` checks what a request needs: the database (and that no migration is pending), the
cache, and the Celery broker when one is configured; 200 when all pass, else 503. Each check
reports only ``ok``, ``not configured`` or the failure's kind (never a URL, a host or a message
that might hold one), so both probes are open without credentials, like the API schema.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2.0
_migrations_applied = False  # once true, it stays true for this code (and this process)


class NotReady(Exception):
    pass


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_migrations() -> str:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            raise NotReady(f"{len(pending)} pending")
        _migrations_applied = True
    return "ok"


def check_cache() -> str:
    key, value = f"labelqc:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    backend = getattr(cache, "strict", cache)  # TolerantRedisCache would hide an outage
    backend.set(key, value, 10)
    found = backend.get(key)
    backend.delete(key)
    if found != value:
        raise NotReady("value not read back")
    return "ok"


def check_broker() -> str:
    from configs.celery import app

    if app.conf.task_always_eager:
        return "not configured"
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=0, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
}


def readiness() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every check; a failing one is reported by its exception's kind, not its message."""
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            status = check()
        except NotReady as error:
            status = f"failed: {error}"
        except Exception as error:  # a probe reports every failure; it never raises
            status = f"failed: {type(error).__name__}"
        results[name] = {
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    ready = all(not str(r["status"]).startswith("failed") for r in results.values())
    return ready, results


@never_cache
@require_GET
def liveness_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readiness_view(request: HttpRequest) -> JsonResponse:
    ready, checks = readiness()
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JsonResponse(body, status=200 if ready else 503)
