"""SLA webhooks go only to public http(s) addresses, and never follow a redirect."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.common import webhooks
from apps.common.roles import Role
from apps.common.webhooks import post_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(project, make_member, client_for):
    return client_for(make_member(project, Role.PROJECT_LEAD).user)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "ftp://example.com/hook",
    ],
)
def test_private_and_non_http_targets_are_a_400_naming_the_field(project, lead, url):
    response = lead.post(
        f"/api/projects/{project.pk}/slas/queues/",
        {"queue": "review", "turnaround_hours": 2, "webhook_url": url},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "webhook_url" in response.json()


def serve(handler_code: int, location: str = "") -> tuple[HTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.send_response(handler_code)
            if location:
                self.send_header("Location", location)
            self.end_headers()

        do_GET = do_POST

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, hits


def test_a_stored_private_target_is_refused_when_called(settings):
    inside, hits = serve(204)
    try:
        status = post_webhook(f"http://127.0.0.1:{inside.server_port}/hook", {"alert": "x"})
    finally:
        inside.shutdown()
    assert status == "refused: address not allowed" and hits == []


def test_redirects_are_not_followed(settings):
    settings.LABELQC_WEBHOOK_ALLOW_PRIVATE = True
    target, target_hits = serve(200)
    redirector, hits = serve(302, f"http://127.0.0.1:{target.server_port}/admin-only?x=1")
    try:
        status = post_webhook(f"http://127.0.0.1:{redirector.server_port}/hook", {"alert": "x"})
    finally:
        target.shutdown()
        redirector.shutdown()
    assert hits == ["/hook"] and target_hits == []
    assert status == "failed: http 302"


def test_the_call_goes_to_the_checked_address_not_a_re_resolved_one(settings, monkeypatch):
    """DNS rebinding: the name is public when checked and points inside a moment later."""
    inside, hits = serve(204)
    answers = iter(["93.184.216.34", "127.0.0.1"])
    monkeypatch.setattr(
        webhooks.socket,
        "getaddrinfo",
        lambda *args, **kwargs: [(2, 1, 6, "", (next(answers), 0))],
    )
    dialled: list[tuple] = []

    def create_connection(address, timeout=None):
        dialled.append(address)
        raise OSError("no route from the test machine")

    monkeypatch.setattr(webhooks.socket, "create_connection", create_connection)
    try:
        status = post_webhook(f"http://hooks.example.com:{inside.server_port}/x", {"a": 1})
    finally:
        inside.shutdown()
    assert dialled == [("93.184.216.34", inside.server_port)]
    assert status == "failed: OSError" and hits == []


def test_https_connects_to_the_checked_address_and_verifies_the_name(monkeypatch):
    seen: dict = {}
    monkeypatch.setattr(
        webhooks.socket, "create_connection", lambda address, timeout=None: ("sock", address)
    )
    connection = webhooks._PinnedHTTPS(
        "hooks.example.com", 8443, address="93.184.216.34", timeout=1
    )

    def wrap_socket(sock, server_hostname):
        seen.update(sock=sock, server_hostname=server_hostname)
        return "tls"

    monkeypatch.setattr(connection._context, "wrap_socket", wrap_socket)
    connection.connect()
    assert seen == {
        "sock": ("sock", ("93.184.216.34", 8443)),
        "server_hostname": "hooks.example.com",
    }
    assert connection._context.check_hostname and connection.sock == "tls"
