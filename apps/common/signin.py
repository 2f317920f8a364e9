"""The credential endpoints, throttled per client address (apps.common.throttling)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.forms import Form
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from apps.common.throttling import (
    SigninForm,
    ThrottledSigninMixin,
    signin_retry_after,
    throttled_message,
)


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
        description="Exchange a username and password for the user's API token (the same one "
        "on every call); send it as `Authorization: Token <key>`. 400 when they do not match "
        "an active user; 429 (with `Retry-After`) after too many failed sign-ins from the "
        "client's address (`LABELQC_SIGNIN_FAILURES` per `LABELQC_SIGNIN_WINDOW_SECONDS`).",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        wait = signin_retry_after(request)
        if wait is not None:
            raise Throttled(wait=wait, detail=throttled_message(wait))
        return super().post(request, *args, **kwargs)
