"""Request ids: one id per HTTP request, on every log line it causes, in the tasks it starts.

The id comes from the `X-Request-ID` header when a proxy is in front (LABELQC_NUM_PROXIES) and
set a sane one (so its access log and ours share it), else a new one; the response carries it back, so a user reporting an
error can quote it. Tasks started during the request log under the same id, on a worker
(a message header) as on the embedded server's task thread (a copied context).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from rest_framework.settings import api_settings

HEADER = "X-Request-ID"
TASK_HEADER = "labelqc_request_id"
NONE = "-"
REQUEST_ID: ContextVar[str] = ContextVar("labelqc_request_id", default=NONE)
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The proxy's id when there is a proxy in front (LABELQC_NUM_PROXIES, the setting that also
    makes the throttles trust X-Forwarded-For) and the id is short and plain (no log injection);
    else a new one, so a client talking to the server directly cannot reuse another's id."""
    behind_proxy = bool(api_settings.NUM_PROXIES)
    if behind_proxy and header and _SANE.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(HEADER))
        # Cleared on request_finished, not here: Django logs a 4xx ("Bad Request: ...") after the
        # middleware has answered, and that line must carry the id too.
        REQUEST_ID.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="labelqc-request-id-finished")
def _forget_request_id(**kwargs: Any) -> None:
    REQUEST_ID.set(NONE)


class PlainFormatter(logging.Formatter):
    """The classic one-line format, with the request id after the logger name."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = REQUEST_ID.get()
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line (LOG_FORMAT=json), for log stores that index fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
