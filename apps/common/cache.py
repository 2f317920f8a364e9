"""The shared cache backend: Django's Redis cache, tolerant of a Redis outage.

Everything labelqc keeps in the cache can be recomputed (page sections, rule facts) or is a
throttle counter, so a failing Redis (unreachable, hung, read-only after a failover, out of
memory) must not fail the request that touches it: reads miss,
writes are skipped, and the throttles fail open until Redis is back, with a warning logged at most
once a minute. After a failure the cache is left alone for BREAK_SECONDS, so a hung Redis does not
cost every call its timeout. `/readyz` still reports the outage, through `strict`, the same cache without the
tolerance.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("labelqc.cache")

# Down, hung, failed over to a read-only replica, out of memory, unable to persist: whatever
# Redis answers, the request goes on without the cache.
OUTAGE_ERRORS = (RedisError,)
WARNING_INTERVAL_SECONDS = 60.0
# After a failure the cache is skipped for this long: a hung Redis would otherwise cost every
# cache call its full timeout (a page with several cached sections took 12 s).
BREAK_SECONDS = 15.0
T = TypeVar("T")

# Per Redis location, shared by the process's threads (Django keeps one backend per thread).
_broken_until: dict[str, float] = {}
_last_warning: dict[str, float] = {}
_warning_lock = threading.Lock()


class TolerantRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._server_setting, self._params = server, params
        self._strict: RedisCache | None = None

    @property
    def strict(self) -> RedisCache:
        """The same Redis, raising on an outage (for the readiness check)."""
        if self._strict is None:
            self._strict = RedisCache(self._server_setting, self._params)
        return self._strict

    def _tolerate(self, operation: str, call: Callable[[], T], fallback: T) -> T:
        if time.monotonic() < _broken_until.get(self._server_setting, 0.0):
            return fallback
        try:
            return call()
        except OUTAGE_ERRORS as exc:
            _broken_until[self._server_setting] = time.monotonic() + BREAK_SECONDS
            self._warn(operation, exc)
            return fallback

    def _warn(self, operation: str, exc: Exception) -> None:
        with _warning_lock:
            now = time.monotonic()
            if now - _last_warning.get(self._server_setting, -WARNING_INTERVAL_SECONDS) < (
                WARNING_INTERVAL_SECONDS
            ):
                return
            _last_warning[self._server_setting] = now
        logger.warning(
            "cache unreachable (%s on %s): serving without it, trying again every %.0f s",
            type(exc).__name__,
            operation,
            BREAK_SECONDS,
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._tolerate(
            "get", lambda: super(TolerantRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._tolerate(
            "get_many", lambda: super(TolerantRedisCache, self).get_many(keys, version), {}
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._tolerate(
            "has_key", lambda: super(TolerantRedisCache, self).has_key(key, version), False
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._tolerate(
            "set", lambda: super(TolerantRedisCache, self).set(key, value, timeout, version), None
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._tolerate(
            "add", lambda: super(TolerantRedisCache, self).add(key, value, timeout, version), False
        )

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._tolerate(
            "set_many", lambda: super(TolerantRedisCache, self).set_many(data, timeout, version), []
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._tolerate(
            "touch", lambda: super(TolerantRedisCache, self).touch(key, timeout, version), False
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # As if the key had just been created: a throttle counting through an outage lets through.
        return self._tolerate(
            "incr", lambda: super(TolerantRedisCache, self).incr(key, delta, version), delta
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._tolerate(
            "delete", lambda: super(TolerantRedisCache, self).delete(key, version), False
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._tolerate(
            "delete_many", lambda: super(TolerantRedisCache, self).delete_many(keys, version), None
        )
