"""API token authentication in one hand-written join (every API request runs it).

A token expires ``LABELQC_TOKEN_MAX_AGE_DAYS`` after it was issued (a leaked key stops working
on its own); signing in again replaces an expired token, and ``DELETE /api/auth/token/`` revokes
the caller's at once.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from apps.common.rows import ModelColumns, fetch_one, table


@cache
def _parts() -> tuple[ModelColumns, ModelColumns, str]:
    user_model = get_user_model()
    token, user = ModelColumns(Token, "t"), ModelColumns(user_model, "u")
    sql = (
        f"SELECT {token.sql}, {user.sql} FROM {table(Token)} t"
        f" JOIN {table(user_model)} u ON u.id = t.user_id WHERE t.key = %s"
    )
    return token, user, sql


def token_expired(token: Token) -> bool:
    max_age = timedelta(days=settings.LABELQC_TOKEN_MAX_AGE_DAYS)
    return token.created + max_age <= timezone.now()


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's `Authorization: Token <key>` with the same answers, minus the ORM's per-call cost."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        token_columns, user_columns, sql = _parts()
        found = fetch_one(sql, [key], token_columns, user_columns)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("Token expired; sign in again for a new one."))
        token.user = user
        return user, token
