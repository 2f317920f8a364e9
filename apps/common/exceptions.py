"""Errors services raise, and the API's translation of them into 4xx responses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ServiceValidationError(Exception):
    """Bad input found by a service; `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str, field: str = "non_field_errors"):
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        super().__init__(str(errors))


@contextmanager
def unique_or_400(field: str, message: str) -> Iterator[None]:
    """A unique constraint broken by this write (a taken name, or one lost to a concurrent writer) is a 400 naming ``field``, not a 500."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise ServiceValidationError(message, field=field) from None


class VersionConflict(Exception):
    """An edit was based on a version that is no longer current."""

    def __init__(self, current_version: int, current: dict[str, Any] | None = None):
        self.current_version = current_version
        self.current = current
        super().__init__(f"stale version; current version is {current_version}")


class ApiConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceValidationError):
        exc = exceptions.ValidationError(exc.errors)
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, VersionConflict):
        body = {"detail": str(exc), "current_version": exc.current_version}
        if exc.current is not None:
            body["current"] = exc.current
        return Response(body, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, SuspiciousOperation):
        # e.g. more query or form fields than DATA_UPLOAD_MAX_NUMBER_FIELDS: Django answers 400,
        # and so must a view (DRF would re-raise it, and fail to render it in DEBUG: a 500)
        exc = exceptions.ParseError(str(exc) or "malformed request")
    return exception_handler(exc, context)
