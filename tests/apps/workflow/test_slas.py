"""SLAs: overdue reviews become alerts exactly once (with a webhook call), per-class compliance."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.workflow.models import Alert, Assignment, Review
from apps.workflow.tasks import check_slas
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(queue_project, make_member, client_for):
    return client_for(make_member(queue_project, Role.PROJECT_LEAD).user)


@pytest.fixture
def webhook(settings):
    settings.LABELQC_WEBHOOK_ALLOW_PRIVATE = True  # the test receiver listens on 127.0.0.1
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def submit_one(project, member, client_for):
    client = client_for(member.user)
    assignment = client.post(f"/api/projects/{project.pk}/queue/next/").json()
    cls = project.classes.first()
    client.post(
        f"/api/assignments/{assignment['id']}/submit/", {"annotations": [box(cls)]}, format="json"
    )
    return Review.objects.get(assignment_id=assignment["id"])


def test_overdue_reviews_alert_once_and_call_the_webhook(
    queue_project, regular_items, annotators, client_for, lead, webhook
):
    url, received = webhook
    response = lead.post(
        f"/api/projects/{queue_project.pk}/slas/queues/",
        {"queue": "review", "turnaround_hours": 2, "webhook_url": url},
        format="json",
    )
    assert response.status_code == 201, response.content
    late = submit_one(queue_project, annotators[0], client_for)
    fresh = submit_one(queue_project, annotators[1], client_for)
    Review.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(hours=3))
    overdue = lead.get(f"/api/projects/{queue_project.pk}/slas/overdue/").json()
    assert [r["id"] for r in overdue["results"]] == [late.pk]
    assert check_slas() == 1
    assert check_slas() == 0  # a re-run records nothing twice
    alert = Alert.objects.get()
    assert alert.key == f"review:{late.pk}" and alert.webhook_status == "http 204"
    assert received and received[0]["review"] == late.pk
    assert fresh.pk not in [a.details["review"] for a in Alert.objects.all()]
    listed = lead.get(f"/api/projects/{queue_project.pk}/alerts/").json()
    assert listed["count"] == 1


def test_rule_deadlines_count_without_a_queue_sla(
    queue_project, regular_items, annotators, client_for, lead
):
    review = submit_one(queue_project, annotators[0], client_for)
    Review.objects.filter(pk=review.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    created = lead.post(f"/api/projects/{queue_project.pk}/slas/check/").json()
    assert [a["details"]["review"] for a in created] == [review.pk]


def test_class_sla_compliance_from_gold(queue_project, gold_items, annotators, client_for, lead):
    queue_project.honeypot_initial_count = 5
    queue_project.save()
    cls = queue_project.classes.first()
    # Gold is (10, 10, 50, 40); one annotator is exact, the other draws nothing (a miss).
    for member, shapes in ((annotators[0], [box(cls)]), (annotators[1], [])):
        client = client_for(member.user)
        assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
        assert (
            client.post(
                f"/api/assignments/{assignment['id']}/submit/",
                {"annotations": shapes},
                format="json",
            ).status_code
            == 201
        )
    assert Assignment.objects.filter(is_gold=True, status="submitted").count() == 2
    assert Annotation.objects.filter(source="human").count() == 1
    created = lead.post(
        f"/api/projects/{queue_project.pk}/slas/classes/",
        {"label_class": cls.pk, "iou_threshold": 0.9, "missing_rate_ceiling": 0.2},
        format="json",
    )
    assert created.status_code == 201, created.content
    result = lead.get(f"/api/projects/{queue_project.pk}/slas/compliance/").json()["classes"][0]
    assert result["observed"]["median_iou"] == pytest.approx(1.0)
    assert result["observed"]["missing_rate"] == pytest.approx(0.5)
    assert result["compliant"] == {
        "iou": True,
        "iaa": None,
        "missing_rate": False,
        "turnaround": None,
    }
    assert result["breaches"] == ["missing_rate"]
    bad = lead.post(
        f"/api/projects/{queue_project.pk}/slas/classes/", {"label_class": 99999}, format="json"
    )
    assert bad.status_code == 400 and "label_class" in bad.json()


@pytest.mark.parametrize("value", [0, -0.5, 1.01])
def test_a_class_sla_iou_threshold_outside_0_to_1_is_refused(queue_project, lead, value):
    # Found by fuzzing: an SLA with IoU threshold 0 was stored, then every quality report
    # of the project was refused (the matcher takes thresholds in (0, 1]).
    cls = queue_project.classes.first()
    response = lead.post(
        f"/api/projects/{queue_project.pk}/slas/classes/",
        {"label_class": cls.pk, "iou_threshold": value},
        format="json",
    )
    assert response.status_code == 400 and "iou_threshold" in response.json()
