"""Outgoing webhooks to URLs that project leads type in: only to public http(s) addresses.

A webhook runs on the server, so without a check a lead could make it call the metadata service,
an admin port on localhost or anything else inside the deployment's network, and read from
``webhook_status`` whether a port answered. A URL is refused when its scheme is not http(s) or
its host resolves to a loopback, private, link-local, multicast, reserved or unspecified
address, both when it is saved and when it is called; redirects are not followed. Deployments
whose receivers live on a private network set ``LABELQC_WEBHOOK_ALLOW_PRIVATE=1``.
(What is checked is the name's addresses at that moment; a name that re-resolves between the
check and the call is not caught.)
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger("labelqc.webhooks")
TIMEOUT_SECONDS = 5


class WebhookRefused(ValueError):
    pass


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def check_webhook_url(url: str) -> None:
    """Raise WebhookRefused (with a message for the user) unless the URL may be called."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("must be an http or https URL")
    if settings.LABELQC_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise WebhookRefused(f"host {parts.hostname!r} does not resolve") from error
    if any(_private(info[4][0]) for info in infos):
        raise WebhookRefused(
            f"host {parts.hostname!r} is a private, loopback or link-local address "
            "(set LABELQC_WEBHOOK_ALLOW_PRIVATE=1 for receivers inside the network)"
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx itself becomes an HTTPError: a redirect is not followed


_opener = urllib.request.build_opener(_NoRedirects)


def post_webhook(url: str, body: dict[str, Any]) -> str:
    """POST the JSON body; the outcome in a few words ("http 204", "failed: ...", "refused")."""
    try:
        check_webhook_url(url)
    except WebhookRefused as refusal:
        logger.warning("webhook %s refused: %s", url, refusal)
        return "refused: address not allowed"
    request = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return f"http {response.status}"
    except Exception as exc:  # a failing webhook must not stop what called it
        logger.warning("webhook %s failed: %s", url, exc)
        return f"failed: {type(exc).__name__}"
