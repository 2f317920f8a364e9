"""Every API route states who may use each of its methods, and nothing is open by accident."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from apps.common.views import RoleScopedApi

PUBLIC = {"/api/schema/", "/api/docs/", "/api/auth/token/"}
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def api_routes(patterns=None, prefix: str = "/"):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None) or getattr(
                pattern.callback, "cls", None
            )
            route = prefix + str(pattern.pattern)
            if route.startswith("/api/") and view is not None and issubclass(view, APIView):
                yield route, view


ROUTES = sorted(api_routes(), key=lambda r: r[0])


def concrete(route: str) -> str:
    import re

    return re.sub(r"<id:[a-z_]+>", "1", route)


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=[r for r, _ in ROUTES])
def test_route_declares_access_for_each_method(route, view):
    if route in PUBLIC:
        return
    assert issubclass(view, RoleScopedApi), f"{route} must use RoleScopedApi"
    implemented = {m.upper() for m in HTTP_METHODS if hasattr(view, m)}
    assert implemented, route
    assert implemented <= set(view.access), (
        f"{route}: no access rule for {implemented - set(view.access)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "view"), ROUTES, ids=[r for r, _ in ROUTES])
def test_unauthenticated_requests_are_refused(client, route, view):
    if route in PUBLIC:
        return
    for method in HTTP_METHODS:
        if hasattr(view, method):
            response = getattr(client, method)(concrete(route))
            assert response.status_code == 401, (method, route, response.status_code)
            assert response["WWW-Authenticate"] == "Token", (method, route)
