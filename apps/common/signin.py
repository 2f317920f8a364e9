"""The credential endpoints, throttled per client address (apps.common.throttling)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.forms import Form
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotAuthenticated, Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.throttling import (
    ThrottledSigninMixin,
    signin_retry_after,
    throttled_message,
)
from apps.common.tokens import token_issue, token_revoke


class SigninForm(ThrottledSigninMixin, AuthenticationForm):
    pass


class AdminSigninForm(ThrottledSigninMixin, AdminAuthenticationForm):
    pass


class SigninView(auth_views.LoginView):
    """Django's sign-in page; 429 while the address is throttled."""

    authentication_form = SigninForm

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error("__all__", code="throttled"):
            response.status_code = 429
        return response


class SigninTokenApi(ObtainAuthToken):
    @extend_schema(
        description="Exchange a username and password for the user's API token; send it as "
        "`Authorization: Token <key>`. The same key comes back until it expires "
        "(`LABELQC_TOKEN_MAX_AGE_DAYS` after it was issued, default 30) or is revoked; then a "
        "new one. 400 when they do not match an active user; 429 (with `Retry-After`) after "
        "too many failed sign-ins from the client's address (`LABELQC_SIGNIN_FAILURES` per "
        "`LABELQC_SIGNIN_WINDOW_SECONDS`).",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wait = signin_retry_after(request)
        if wait is not None:
            raise Throttled(wait=wait, detail=throttled_message(wait))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"token": token_issue(user=serializer.validated_data["user"]).key})

    @extend_schema(
        description="Revoke the caller's API token (signing out every client that uses it); "
        "the next sign-in issues a new key. 401 without credentials.",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        token_revoke(user=request.user)
        return Response(status=204)
