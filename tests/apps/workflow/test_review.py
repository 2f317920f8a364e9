"""Reviewers approve, edit (a new revision), reject (one rework cycle) or escalate with a reason."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.workflow.models import Assignment, Review
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(queue_project, regular_items, annotators, client_for):
    client = client_for(annotators[0].user)
    assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    cls = queue_project.classes.first()
    client.post(
        f"/api/assignments/{assignment['id']}/submit/", {"annotations": [box(cls)]}, format="json"
    )
    return Assignment.objects.get(pk=assignment["id"])


@pytest.fixture
def reviewer(queue_project, make_member, client_for):
    return client_for(make_member(queue_project, Role.REVIEWER).user)


def next_review(client, project, queue="review"):
    return client.post(f"/api/projects/{project.pk}/reviews/next/?queue={queue}")


def decide(client, review_id, **body):
    return client.post(f"/api/reviews/{review_id}/decision/", body, format="json")


def test_approve(submitted, queue_project, reviewer):
    review = next_review(reviewer, queue_project).json()
    assert review["annotations"][0]["is_submission"] and review["annotator"]
    assert decide(reviewer, review["id"], decision="approve").json()["status"] == "approved"
    assert AuditEvent.objects.filter(action="review.approve").count() == 1
    assert next_review(reviewer, queue_project).status_code == 204


def test_reject_needs_a_reason_and_sends_the_item_back(
    submitted, queue_project, reviewer, annotators, client_for
):
    review = next_review(reviewer, queue_project).json()
    refused = decide(reviewer, review["id"], decision="reject")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert (
        decide(reviewer, review["id"], decision="reject", reason="box too loose").status_code == 200
    )
    submitted.refresh_from_db()
    assert submitted.status == "rework" and submitted.rework_cycles == 1
    annotator = client_for(annotators[0].user)
    back = annotator.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    assert back["id"] == submitted.pk and back["rework_reason"] == "box too loose"
    cls = queue_project.classes.first()
    resubmit = annotator.post(
        f"/api/assignments/{submitted.pk}/submit/", {"annotations": [box(cls, w=45)]}, format="json"
    )
    assert resubmit.status_code == 201
    assert Review.objects.filter(assignment=submitted, status="pending", cycle=1).exists()
    assert submitted.item.annotations.filter(author=annotators[0]).get().w == 45


def test_escalate_moves_it_to_a_named_queue(
    submitted, queue_project, reviewer, make_member, client_for
):
    review = next_review(reviewer, queue_project).json()
    missing = decide(reviewer, review["id"], decision="escalate", reason="ambiguous")
    assert missing.status_code == 400 and "queue" in missing.json()
    assert (
        decide(
            reviewer, review["id"], decision="escalate", reason="ambiguous", queue="domain_expert"
        ).status_code
        == 200
    )
    senior = client_for(make_member(queue_project, Role.QA_MANAGER).user)
    escalated = next_review(senior, queue_project, "domain_expert").json()
    assert escalated["reason"] == "ambiguous"
    assert decide(senior, escalated["id"], decision="approve").status_code == 200


def test_edit_creates_a_new_revision(submitted, queue_project, reviewer):
    review = next_review(reviewer, queue_project).json()
    shape = review["annotations"][0]
    edit = {
        "annotation": shape["id"],
        "version": shape["version"],
        "geometry": {"x": 12, "y": 10, "w": 48, "h": 40},
    }
    response = decide(reviewer, review["id"], decision="edit", edits=[edit])
    assert response.status_code == 200 and response.json()["status"] == "edited"
    stale = decide(reviewer, review["id"], decision="approve")
    assert stale.status_code == 409
    assert AuditEvent.objects.filter(action="annotation.update", entity_id=shape["id"]).count() == 1


def test_nobody_reviews_their_own_work(submitted, queue_project, annotators, client_for):
    annotators[0].role = Role.REVIEWER
    annotators[0].save()
    assert next_review(client_for(annotators[0].user), queue_project).status_code == 204


def test_annotators_cannot_review(submitted, queue_project, annotators, client_for):
    assert next_review(client_for(annotators[1].user), queue_project).status_code == 403


def test_nobody_decides_the_review_of_their_own_work(
    submitted, queue_project, annotators, client_for, make_member
):
    author = annotators[0]
    author.role = Role.REVIEWER
    author.save()
    own = client_for(author.user)
    assert next_review(own, queue_project).status_code == 204  # the pull skips it
    review = Review.objects.get(assignment=submitted)
    refused = decide(own, review.pk, decision="approve")
    assert refused.status_code == 409, refused.content
    assert "nobody reviews their own work" in refused.json()["detail"]
    review.refresh_from_db()
    assert review.status == "pending"
    admin = client_for(make_member(queue_project, Role.ADMIN).user)
    assert decide(admin, review.pk, decision="approve").status_code == 200


def test_a_reject_after_an_intake_send_back_is_the_same_rework_cycle(
    submitted, queue_project, reviewer
):
    review = next_review(reviewer, queue_project).json()
    # an intake inspection sent the submission back between the pull and the decision
    Assignment.objects.filter(pk=submitted.pk).update(status="rework", rework_cycles=1)
    assert decide(reviewer, review["id"], decision="reject", reason="loose").status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == "rework" and submitted.rework_cycles == 1
