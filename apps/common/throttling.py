"""Sign-in throttling: failed sign-ins per client address, counted in the shared cache.

Every credential endpoint (the API token exchange, the sign-in page, the admin's) refuses an
address that has failed ``LABELQC_SIGNIN_FAILURES`` times within the current window of
``LABELQC_SIGNIN_WINDOW_SECONDS``. Only failures count, so an office behind one NAT address is not
locked out by its own people signing in; and the count is per address, not per username, so a
guesser cannot lock a user out from elsewhere. Failures are recorded from Django's
``user_login_failed`` signal, which ``authenticate`` sends for all three endpoints.

The counter is a fixed window incremented atomically (``cache.incr``), so parallel guesses are
all counted. It lives in Django's default cache: with ``LABELQC_CACHE_URL`` (or ``REDIS_URL``) set,
that is Redis and every web process shares it; the embedded default's per-process cache is
enough for its single process. Behind a reverse proxy, set ``LABELQC_NUM_PROXIES`` so the
client's address is read from ``X-Forwarded-For`` (DRF's rule); otherwise it is the proxy's.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.forms import ValidationError
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

KEY_PREFIX = "labelqc:signin-failures"
logger = logging.getLogger("labelqc.signin")


def client_address(request: Any) -> str:
    """The address DRF's throttles key on (X-Forwarded-For only with ``NUM_PROXIES`` set)."""
    return BaseThrottle().get_ident(request)


def _window() -> tuple[str, float]:
    """This window's number, and the second it ends."""
    length = settings.LABELQC_SIGNIN_WINDOW_SECONDS
    number = int(time.time() // length)
    return str(number), (number + 1) * length


def _key(address: str, window: str) -> str:
    return f"{KEY_PREFIX}:{address}:{window}"


def signin_retry_after(request: Any) -> int | None:
    """Seconds until this request's address may try to sign in again; None when it may now."""
    window, ends_at = _window()
    failures = cache.get(_key(client_address(request), window), 0)
    if failures < settings.LABELQC_SIGNIN_FAILURES:
        return None
    return max(1, math.ceil(ends_at - time.time()))


def record_signin_failure(request: Any) -> int:
    """Count one failed sign-in for the request's address; returns the window's count."""
    return _count_failure(client_address(request))


def _count_failure(address: str) -> int:
    window, _ = _window()
    key = _key(address, window)
    cache.add(key, 0, timeout=settings.LABELQC_SIGNIN_WINDOW_SECONDS + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this failure opens a new count
        cache.add(key, 1, timeout=settings.LABELQC_SIGNIN_WINDOW_SECONDS + 1)
        return 1


@receiver(user_login_failed, dispatch_uid="labelqc-signin-failure")
def _count_failed_signin(sender: Any, credentials: dict, request: Any = None, **kwargs) -> None:
    if request is None:
        return
    address = client_address(request)
    failures = _count_failure(address)
    # operators read guessing in the logs; the password is never logged (Django masks it)
    log = logger.warning if failures >= settings.LABELQC_SIGNIN_FAILURES else logger.info
    log(
        "failed sign-in for %r from %s (%d in this window)",
        credentials.get("username", ""),
        address,
        failures,
    )


def throttled_message(seconds: int) -> str:
    return f"Too many failed sign-ins from your address; try again in {seconds} s."


class ThrottledSigninMixin:
    """For Django's authentication forms: refuse before checking the password while throttled."""

    request: Any

    def clean(self) -> dict[str, Any]:
        wait = signin_retry_after(self.request) if self.request is not None else None
        if wait is not None:
            raise ValidationError(throttled_message(wait), code="throttled")
        return super().clean()  # type: ignore[misc]


class ScopedThrottle(ScopedRateThrottle):
    """DRF's per-user scoped throttle, reading its rate from the settings when asked (DRF's own
    reads them once, at import), so a deployment's or a test's setting is the one applied."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
