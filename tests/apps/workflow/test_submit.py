"""Submitting: all-or-nothing shapes, time spent, correction effort, honeypot scores, no repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment, CorrectionEffort, MissedObject, Review
from tests.apps.shapes import add_box
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


def lease(client, project) -> dict:
    response = client.post(f"/api/projects/{project.pk}/queue/next/")
    assert response.status_code == 200, response.content
    return response.json()


def submit(client, assignment, annotations, seconds=12.5):
    return client.post(
        f"/api/assignments/{assignment['id']}/submit/",
        {"annotations": annotations, "client_seconds": seconds},
        format="json",
    )


def test_submit_stores_work_and_time_and_opens_a_review(
    queue_project, regular_items, annotators, client_for
):
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    cls = queue_project.classes.first()
    response = submit(client, assignment, [box(cls), box(cls, x=100)])
    assert response.status_code == 201, response.content
    stored = Assignment.objects.get(pk=assignment["id"])
    assert (
        stored.status == "submitted"
        and stored.client_seconds == 12.5
        and stored.server_seconds >= 0
    )
    assert Annotation.objects.filter(author=annotators[0], item_id=stored.item_id).count() == 2
    assert Review.objects.filter(assignment=stored, status="pending").count() == 1
    # A retried submit is refused and writes nothing more.
    again = submit(client, assignment, [box(cls)])
    assert again.status_code == 409
    assert Annotation.objects.filter(author=annotators[0]).count() == 2


def test_invalid_shape_writes_nothing_and_keeps_the_lease(
    queue_project, regular_items, annotators, client_for
):
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    cls = queue_project.classes.first()
    response = submit(client, assignment, [box(cls), box(cls, x=190, w=50)])
    assert response.status_code == 400
    assert "annotations[1].geometry.w" in response.json()
    assert Annotation.objects.count() == 0
    assert Assignment.objects.get(pk=assignment["id"]).status == "leased"


def test_correction_effort_is_bucketed_against_prelabels(
    queue_project, regular_items, annotators, client_for
):
    cls = queue_project.classes.first()
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    item_id = assignment["item"]["id"]
    for x in (0, 60, 120):
        prelabel(item_id, cls, x)
    body = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    assert len(body["prelabels"]) == 3
    # Kept as is; nudged (IoU 0.8); the third deleted.
    shapes = [box(cls, x=0, y=0, w=40, h=40), box(cls, x=60, y=0, w=40, h=32)]
    assert submit(client, assignment, shapes).status_code == 201
    buckets = sorted(CorrectionEffort.objects.values_list("bucket", "iou"))
    assert [b for b, _ in buckets] == ["approved_as_is", "minor_edit", "rework"]
    assert dict((b, round(i, 3)) for b, i in buckets) == {
        "approved_as_is": 1.0,
        "minor_edit": 0.8,
        "rework": 0.0,
    }


def test_resubmission_after_rework_replaces_the_correction_effort(
    queue_project, regular_items, annotators, client_for, make_member
):
    cls = queue_project.classes.first()
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    for x in (0, 60):
        prelabel(assignment["item"]["id"], cls, x)
    # First pass deletes the second draft and draws a box no draft had; the reviewer sends it
    # back; the redo keeps both drafts and nothing else.
    first = [box(cls, x=0, y=0, w=40, h=40), box(cls, x=120, y=0, w=30, h=30)]
    assert submit(client, assignment, first).status_code == 201
    assert MissedObject.objects.filter(assignment_id=assignment["id"]).count() == 1
    reviewer = client_for(make_member(queue_project, Role.REVIEWER).user)
    review = reviewer.post(f"/api/projects/{queue_project.pk}/reviews/next/").json()
    rejected = reviewer.post(
        f"/api/reviews/{review['id']}/decision/",
        {"decision": "reject", "reason": "a car is missing"},
        format="json",
    )
    assert rejected.status_code == 200, rejected.content
    both = [box(cls, x=0, y=0, w=40, h=40), box(cls, x=60, y=0, w=40, h=40)]
    assert submit(client, assignment, both).status_code == 201

    efforts = CorrectionEffort.objects.filter(assignment_id=assignment["id"])
    assert sorted(efforts.values_list("bucket", flat=True)) == ["approved_as_is"] * 2
    assert not MissedObject.objects.filter(assignment_id=assignment["id"]).exists()


def test_a_relabeled_draft_is_not_approved_as_is(
    queue_project, regular_items, annotators, client_for
):
    car, person = queue_project.classes.order_by("pk")
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    prelabel(assignment["item"]["id"], car, 0)
    assert submit(client, assignment, [box(person, x=0, y=0, w=40, h=40)]).status_code == 201
    effort = CorrectionEffort.objects.get(assignment_id=assignment["id"])
    assert (effort.bucket, effort.iou) == ("minor_edit", 1.0)


def prelabel(item_id, cls, x) -> Annotation:
    return add_box(
        Item.objects.get(pk=item_id), cls, (x, 0, 40, 40), source="prelabel", model_id="grabcut"
    )


def test_honeypot_is_scored_and_not_sent_to_review(
    queue_project, gold_items, annotators, client_for
):
    queue_project.honeypot_initial_count = 5
    queue_project.save()
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    cls = queue_project.classes.first()
    # Gold is one box at (10, 10, 50, 40): one match and one extra -> accuracy 1 / 2.
    assert submit(client, assignment, [box(cls), box(cls, x=120)]).status_code == 201
    stored = Assignment.objects.get(pk=assignment["id"])
    assert stored.is_gold and stored.gold_accuracy == pytest.approx(0.5)
    assert not Review.objects.exists()
    # Not in the annotator's own figures until tomorrow: a figure that moved right after the
    # submit would give the honeypot away.
    stats = client.get(f"/api/projects/{queue_project.pk}/me/stats/").json()
    assert stats["gold_accuracy"] is None and stats["gold_items_scored"] == 0
    assert stats["submitted"] == 1
    Assignment.objects.filter(pk=stored.pk).update(
        submitted_at=stored.submitted_at - timedelta(days=1)
    )
    stats = client.get(f"/api/projects/{queue_project.pk}/me/stats/").json()
    assert stats["gold_accuracy"] == pytest.approx(0.5) and stats["gold_items_scored"] == 1


def test_submission_time_is_stored_as_the_orm_stores_datetimes(
    queue_project, regular_items, annotators, client_for
):
    """The submit's own UPDATE must write what a queryset would, or exact and range lookups on
    submitted_at (reports, SLAs) miss the row on SQLite."""
    client = client_for(annotators[0].user)
    assignment = lease(client, queue_project)
    response = submit(client, assignment, [box(queue_project.classes.first())])
    assert response.status_code == 201, response.content
    stored = Assignment.objects.get(pk=assignment["id"])
    assert stored.submitted_at.tzinfo is not None
    assert Assignment.objects.filter(pk=stored.pk, submitted_at=stored.submitted_at).exists()
