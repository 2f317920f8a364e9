"""A rework pull starts from the annotator's own rejected shapes, renews the lease, and the redo
replaces those shapes (and only those), each deletion and creation audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.workflow.models import Assignment
from tests.apps.shapes import add_box
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


def pull(client, project):
    response = client.post(f"/api/projects/{project.pk}/queue/next/")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def rejected(queue_project, regular_items, annotators, make_member, client_for):
    """Ben leased an item with a draft, drew two boxes, and a reviewer sent them back days ago."""
    cls = queue_project.classes.first()
    ben = client_for(annotators[0].user)
    first = pull(ben, queue_project)
    item = regular_items[[i.pk for i in regular_items].index(first["item"]["id"])]
    draft = add_box(item, cls, (5, 5, 30, 30), source="prelabel", model_id="grabcut")
    mine = [box(cls, x=10, y=10, w=50, h=40), box(cls, x=100, y=20, w=30, h=30)]
    done = ben.post(f"/api/assignments/{first['id']}/submit/", {"annotations": mine}, format="json")
    assert done.status_code == 201, done.content
    reviewer = client_for(make_member(queue_project, Role.REVIEWER).user)
    review = reviewer.post(f"/api/projects/{queue_project.pk}/reviews/next/").json()
    decided = reviewer.post(
        f"/api/reviews/{review['id']}/decision/",
        {"decision": "reject", "reason": "the second box is not a car"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    # The first lease ran out long ago (the reviewer took days).
    long_ago = timezone.now() - timedelta(days=3)
    Assignment.objects.filter(pk=first["id"]).update(
        leased_at=long_ago, lease_expires_at=long_ago + timedelta(minutes=30)
    )
    return ben, first["id"], item, draft, done.json()["annotations"]


def test_rework_payload_carries_own_shapes_and_the_decision(rejected, queue_project):
    ben, assignment_id, _item, draft, own_ids = rejected
    before = timezone.now()
    back = pull(ben, queue_project)
    assert back["id"] == assignment_id and back["status"] == "rework"
    rework = back["rework"]
    assert [s["id"] for s in rework["shapes"]] == own_ids
    assert [s["geometry"] for s in rework["shapes"]] == [
        {"x": 10.0, "y": 10.0, "w": 50.0, "h": 40.0},
        {"x": 100.0, "y": 20.0, "w": 30.0, "h": 30.0},
    ]
    assert all(s["version"] == 1 and s["geometry_type"] == "box" for s in rework["shapes"])
    assert rework["decision"] == "rejected"
    assert rework["reason"] == "the second box is not a car"
    assert rework["decided_at"] is not None
    assert back["rework_reason"] == "the second box is not a car"
    # The drafts are still listed, apart from the starting shapes.
    assert [p["id"] for p in back["prelabels"]] == [draft.pk]
    # Served again, the rework holds a fresh lease, as a new lease would.
    expires = parse_datetime(back["lease_expires_at"])
    assert expires > before + timedelta(minutes=queue_project.lease_minutes - 1)
    stored = Assignment.objects.get(pk=assignment_id)
    assert stored.leased_at >= before and stored.status == "rework"


def test_a_held_rework_lease_is_not_renewed_on_every_pull(rejected, queue_project):
    ben, assignment_id, *_ = rejected
    first = pull(ben, queue_project)
    again = pull(ben, queue_project)
    assert again["id"] == assignment_id
    assert again["lease_expires_at"] == first["lease_expires_at"]


def test_a_fresh_lease_has_no_rework_block(queue_project, regular_items, annotators, client_for):
    body = pull(client_for(annotators[0].user), queue_project)
    assert body["status"] == "leased"
    assert body["rework"] is None and body["rework_reason"] is None


def test_redo_replaces_only_the_annotators_own_shapes_audited(rejected, queue_project, annotators):
    ben, assignment_id, item, draft, own_ids = rejected
    cls = queue_project.classes.first()
    other = add_box(item, cls, (20, 20, 40, 40), author=annotators[1])
    consensus = add_box(item, cls, (10, 10, 50, 40), source="consensus", model_id="consensus:mv")
    back = pull(ben, queue_project)
    # The page resubmits the first box as it was and drops the second one.
    kept = [
        {k: s[k] for k in ("label_class", "geometry_type", "geometry")}
        for s in back["rework"]["shapes"][:1]
    ]
    redo = ben.post(
        f"/api/assignments/{assignment_id}/submit/", {"annotations": kept}, format="json"
    )
    assert redo.status_code == 201, redo.content
    new_ids = redo.json()["annotations"]
    mine = Annotation.objects.filter(item=item, author=annotators[0])
    assert list(mine.values_list("pk", flat=True)) == new_ids and len(new_ids) == 1
    assert mine.get().w == 50
    # Nobody else's shapes, nor the draft or the consensus, were touched.
    for untouched in (other, consensus, draft):
        assert Annotation.objects.get(pk=untouched.pk).version == 1
    deleted = AuditEvent.objects.filter(action="annotation.delete")
    assert sorted(deleted.values_list("entity_id", flat=True)) == sorted(own_ids)
    assert set(deleted.values_list("reason", flat=True)) == {"replaced by rework"}
    assert [e.before["version"] for e in deleted] == [1, 1]
    created = AuditEvent.objects.filter(action="annotation.create", entity_id__in=new_ids)
    assert created.count() == 1
