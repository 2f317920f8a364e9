"""SLA webhooks go only to public http(s) addresses, and never follow a redirect."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

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
    assert status == "failed: HTTPError"
