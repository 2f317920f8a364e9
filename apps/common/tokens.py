"""Issuing and revoking API tokens (one per user, DRF's Token model)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from apps.common.authentication import token_expired


@transaction.atomic
def token_issue(*, user: Any) -> Token:
    """The user's current token, or a new one when they have none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_expired(token):
        return token
    if token is not None:
        token.delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user: Any) -> int:
    """Delete the user's token; returns how many were deleted (0 or 1)."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted
