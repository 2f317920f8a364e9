"""Outgoing webhooks to URLs that project leads type in: only to public http(s) addresses.

A webhook runs on the server, so without a check a lead could make it call the metadata service,
an admin port on localhost or anything else inside the deployment's network, and read from
``webhook_status`` whether a port answered. A URL is refused when its scheme is not http(s) or
its host resolves to a loopback, private, link-local, multicast, reserved or unspecified
address, both when it is saved and when it is called; redirects are not followed. Deployments
whose receivers live on a private network set ``LABELQC_WEBHOOK_ALLOW_PRIVATE=1``. The call
connects to the address that was checked (TLS still verifies the name), so a name re-pointed
at an inside address between the check and the call (DNS rebinding) is not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

logger = logging.getLogger("labelqc.webhooks")
TIMEOUT_SECONDS = 5


class WebhookRefused(ValueError):
    pass


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def _addresses(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookRefused(f"host {host!r} does not resolve") from error
    return [str(info[4][0]) for info in infos]


def _http_url(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("must be an http or https URL")
    return parts


def _checked_address(parts: SplitResult) -> str:
    """The address to call the URL's host at, once every address it resolves to is allowed."""
    host = parts.hostname or ""
    addresses = _addresses(host)
    if not settings.LABELQC_WEBHOOK_ALLOW_PRIVATE and any(_private(a) for a in addresses):
        raise WebhookRefused(
            f"host {host!r} is a private, loopback or link-local address "
            "(set LABELQC_WEBHOOK_ALLOW_PRIVATE=1 for receivers inside the network)"
        )
    return addresses[0]


def check_webhook_url(url: str) -> None:
    """Raise WebhookRefused (with a message for the user) unless the URL may be called."""
    parts = _http_url(url)
    if not settings.LABELQC_WEBHOOK_ALLOW_PRIVATE:  # else a host may not resolve yet
        _checked_address(parts)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to by then (a name
    re-pointed at an inside address between the check and the call is not followed)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_webhook(url: str, body: dict[str, Any]) -> str:
    """POST the JSON body; the outcome in a few words ("http 204", "failed: ...", "refused").

    http.client follows no redirect: a 3xx answer is reported as a failure.
    """
    try:
        parts = _http_url(url)
        address = _checked_address(parts)
    except WebhookRefused as refusal:
        logger.warning("webhook %s refused: %s", url, refusal)
        return "refused: address not allowed"
    https = parts.scheme == "https"
    connection_class = _PinnedHTTPS if https else _PinnedHTTP
    port = parts.port or (443 if https else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(
        parts.hostname or "", port, address=address, timeout=TIMEOUT_SECONDS
    )
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(body, default=str).encode(),
            headers={"Content-Type": "application/json"},
        )
        status = connection.getresponse().status
    except Exception as exc:  # a failing webhook must not stop what called it
        logger.warning("webhook %s failed: %s", url, exc)
        return f"failed: {type(exc).__name__}"
    finally:
        connection.close()
    return f"http {status}" if status < 300 else f"failed: http {status}"
