"""Alerts get resolved: by a manager (once, audited, with a note) or, for an SLA breach, by the
next SLA check once its review has been decided; the list can show open or resolved ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.projects.models import Project
from apps.workflow.models import Alert, Review
from apps.workflow.services.alerts import REVIEW_DECIDED
from apps.workflow.tasks import check_slas
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(queue_project, make_member, client_for):
    return client_for(make_member(queue_project, Role.PROJECT_LEAD).user)


@pytest.fixture
def overdue(queue_project, regular_items, annotators, client_for, lead):
    """Two submissions waiting for review past a two-hour SLA, each with its breach alert."""
    lead.post(
        f"/api/projects/{queue_project.pk}/slas/queues/",
        {"queue": "review", "turnaround_hours": 2},
        format="json",
    )
    cls = queue_project.classes.first()
    for annotator in annotators[:2]:
        client = client_for(annotator.user)
        assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
        client.post(
            f"/api/assignments/{assignment['id']}/submit/",
            {"annotations": [box(cls)]},
            format="json",
        )
    Review.objects.update(created_at=timezone.now() - timedelta(hours=3))
    assert check_slas() == 2
    return list(Alert.objects.order_by("pk"))


def test_a_manager_resolves_an_alert_once_with_a_note(overdue, lead):
    alert = overdue[0]
    response = lead.post(
        f"/api/alerts/{alert.pk}/resolve/", {"note": "vendor re-staffed"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["resolved_at"] and body["resolution"] == "vendor re-staffed"
    assert body["resolved_by"].startswith("project_lead")
    again = lead.post(f"/api/alerts/{alert.pk}/resolve/", {"note": "twice"}, format="json")
    assert again.status_code == 200
    assert again.json()["resolution"] == "vendor re-staffed"  # the first resolution stands
    events = AuditEvent.objects.filter(action="alert.resolve", entity_id=alert.pk)
    assert events.count() == 1 and events.get().reason == "vendor re-staffed"
    assert events.get().before["resolved_at"] is None and events.get().after["resolved_at"]


def test_the_list_shows_open_or_resolved_alerts(overdue, lead, queue_project):
    lead.post(f"/api/alerts/{overdue[0].pk}/resolve/", {}, format="json")
    url = f"/api/projects/{queue_project.pk}/alerts/"
    open_ids = [a["id"] for a in lead.get(url, {"resolved": "false"}).json()["results"]]
    resolved_ids = [a["id"] for a in lead.get(url, {"resolved": "true"}).json()["results"]]
    assert open_ids == [overdue[1].pk] and resolved_ids == [overdue[0].pk]
    assert lead.get(url).json()["count"] == 2
    refused = lead.get(url, {"resolved": "maybe"})
    assert refused.status_code == 400 and "resolved" in refused.json()


def test_deciding_the_overdue_review_resolves_its_alert_at_the_next_check(
    overdue, queue_project, make_member, client_for
):
    reviewer = client_for(make_member(queue_project, Role.REVIEWER).user)
    review = reviewer.post(f"/api/projects/{queue_project.pk}/reviews/next/").json()
    decided = reviewer.post(
        f"/api/reviews/{review['id']}/decision/", {"decision": "approve"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    assert check_slas() == 0
    resolved = Alert.objects.get(key=f"review:{review['id']}")
    assert resolved.resolved_at and resolved.resolution == REVIEW_DECIDED
    assert resolved.resolved_by is None
    still_open = Alert.objects.exclude(pk=resolved.pk).get()
    assert still_open.resolved_at is None  # its review is still waiting


def test_only_managers_of_the_alerts_project_resolve_it(
    overdue, annotators, queue_project, make_member, client_for
):
    alert = overdue[0]
    annotator = client_for(annotators[0].user)
    assert annotator.post(f"/api/alerts/{alert.pk}/resolve/").status_code == 403
    other = Project.objects.create(name="other program")
    outsider = client_for(make_member(other, Role.PROJECT_LEAD).user)
    assert outsider.post(f"/api/alerts/{alert.pk}/resolve/").status_code == 403
    assert outsider.post("/api/alerts/999999/resolve/").status_code == 404
    too_long = client_for(make_member(queue_project, Role.QA_MANAGER).user).post(
        f"/api/alerts/{alert.pk}/resolve/", {"note": "x" * 501}, format="json"
    )
    assert too_long.status_code == 400 and "note" in too_long.json()
    alert.refresh_from_db()
    assert alert.resolved_at is None
