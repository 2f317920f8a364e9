"""GET /metrics: staff only, Prometheus text that prometheus_client parses, values from the rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.common.roles import Role
from apps.jobs.models import Job
from apps.workflow.models import Alert, Assignment, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client_for):
    return client_for(get_user_model().objects.create_user("ops", password="x", is_staff=True))


def samples(response) -> dict[tuple[str, tuple], float]:
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def backdate(model, pk: int, **moments) -> None:
    model.objects.filter(pk=pk).update(**moments)


def test_gauges_count_the_rows_and_age_the_oldest(project, item, make_member, staff_client):
    now = timezone.now()
    stuck = Job.objects.create(project=project, kind="prelabel", status="pending")
    backdate(Job, stuck.pk, created_at=now - timedelta(hours=2))
    Job.objects.create(project=project, kind="prelabel", status="pending")
    running = Job.objects.create(project=project, kind="quality_report", status="running")
    backdate(Job, running.pk, heartbeat_at=now - timedelta(minutes=30))
    Job.objects.create(project=project, kind="quality_report", status="failed")
    annotator = make_member(project, Role.ANNOTATOR)
    open_slot = Assignment.objects.create(project=project, item=item, slot=0)
    submitted = Assignment.objects.create(
        project=project, item=item, slot=1, annotator=annotator, status="submitted"
    )
    review = Review.objects.create(project=project, assignment=submitted, queue='senior "A"')
    backdate(Review, review.pk, created_at=now - timedelta(hours=5))
    Review.objects.create(project=project, assignment=submitted, status="approved")
    alert = Alert.objects.create(project=project, kind="sla_breach", key="k1", message="late")
    Alert.objects.create(
        project=project, kind="sla_breach", key="k2", message="old", resolved_at=now
    )

    found = samples(staff_client.get("/metrics"))
    p = str(project.pk)
    assert found[("labelqc_jobs", (("kind", "prelabel"), ("status", "pending")))] == 2
    assert found[("labelqc_jobs", (("kind", "quality_report"), ("status", "failed")))] == 1
    oldest = found[("labelqc_job_oldest_pending_seconds", (("kind", "prelabel"),))]
    assert 7200 <= oldest < 7200 + 60
    silent = found[("labelqc_job_longest_silent_running_seconds", (("kind", "quality_report"),))]
    assert 1800 <= silent < 1800 + 60
    assert found[("labelqc_job_oldest_pending_seconds", (("kind", "quality_report"),))] == 0
    assert found[("labelqc_assignments", (("project", p), ("status", "open")))] == 1
    assert ("labelqc_assignments", (("project", p), ("status", "submitted"))) not in found
    queue = (("project", p), ("queue", 'senior "A"'))
    assert found[("labelqc_reviews_waiting", queue)] == 1  # the approved one is decided
    assert 18000 <= found[("labelqc_review_oldest_waiting_seconds", queue)] < 18000 + 60
    kind = (("kind", "sla_breach"), ("project", p))
    assert found[("labelqc_alerts_open", kind)] == 1
    latest = found[("labelqc_alert_latest_timestamp_seconds", kind)]
    assert latest == pytest.approx(Alert.objects.get(pk=alert.pk).created_at.timestamp())
    assert open_slot.pk


def test_an_empty_service_has_help_and_no_samples(staff_client):
    response = staff_client.get("/metrics")
    assert response.status_code == 200
    families = list(text_string_to_metric_families(response.content.decode()))
    assert {f.name for f in families} >= {"labelqc_jobs", "labelqc_reviews_waiting"}
    assert all(not f.samples for f in families)


def test_only_staff_may_read_it_with_a_token_or_a_session(project, make_member, client_for):
    assert APIClient().get("/metrics").status_code == 401
    lead = make_member(project, Role.PROJECT_LEAD)
    assert client_for(lead.user).get("/metrics").status_code == 403
    operator = get_user_model().objects.create_user("ops", password="x", is_staff=True)
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=operator).key}")
    assert token.get("/metrics").status_code == 200
