"""Pulling work: leases, overlap to distinct annotators, expiry, honeypots that look ordinary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment
from apps.workflow.services.queue import pull_next

pytestmark = pytest.mark.django_db


def pull(client, project):
    return client.post(f"/api/projects/{project.pk}/queue/next/")


def test_overlap_goes_to_distinct_annotators(queue_project, regular_items, annotators):
    seen = {}
    for member in annotators:
        for _ in range(3):
            assignment = pull_next(member=member)
            if assignment is None:
                break
            assert Assignment.objects.filter(pk=assignment.pk).update(status="submitted")
            seen.setdefault(assignment.item_id, []).append(member.pk)
    assert sorted(seen) == sorted(i.pk for i in regular_items)
    for authors in seen.values():
        assert len(authors) == 2 and len(set(authors)) == 2
    assert pull_next(member=annotators[2]) is None


def test_a_pull_returns_the_held_lease_until_it_expires(queue_project, regular_items, annotators):
    first = pull_next(member=annotators[0])
    assert pull_next(member=annotators[0]).pk == first.pk
    Assignment.objects.filter(pk=first.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    # The expired slot is back in the pool: another annotator can take it.
    others = {pull_next(member=annotators[1]).item_id}
    assert (
        first.item_id in others
        or Assignment.objects.get(pk=first.pk).annotator_id != annotators[0].pk
    )


def test_honeypots_first_then_never_the_same_gold_twice(
    queue_project, regular_items, gold_items, annotators
):
    queue_project.honeypot_initial_count = 2
    queue_project.save()
    member = annotators[0]
    served = []
    for _ in range(5):
        assignment = pull_next(member=member, draw=0.99)
        if assignment is None:
            break
        Assignment.objects.filter(pk=assignment.pk).update(status="submitted")
        served.append(assignment)
    assert [a.is_gold for a in served[:2]] == [True, True]
    assert not any(a.is_gold for a in served[2:])
    gold_seen = [a.item_id for a in served if a.is_gold]
    assert len(gold_seen) == len(set(gold_seen))
    # Forced honeypots (draw below the rate) still never repeat an item.
    queue_project.honeypot_rate = 1.0
    queue_project.save()
    more = pull_next(member=member, draw=0.0)
    assert more.is_gold and more.item_id not in gold_seen


def test_queue_api_hides_gold_and_answers_204_when_empty(
    queue_project, gold_items, annotators, client_for
):
    queue_project.honeypot_initial_count = 5
    queue_project.save()
    client = client_for(annotators[0].user)
    response = client.post(f"/api/projects/{queue_project.pk}/queue/next/")
    assert response.status_code == 200
    body = response.json()
    assert "is_gold" not in body and "gold" not in str(body).lower()
    assert body["prelabels"] == []
    Assignment.objects.all().update(status="submitted")
    for _ in range(2):
        client.post(f"/api/projects/{queue_project.pk}/queue/next/")
        Assignment.objects.all().update(status="submitted")
    assert client.post(f"/api/projects/{queue_project.pk}/queue/next/").status_code == 204


def test_release_returns_the_slot(queue_project, regular_items, annotators, client_for):
    client = client_for(annotators[0].user)
    assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    assert client.post(f"/api/assignments/{assignment['id']}/release/").json() == {"released": True}
    assert Assignment.objects.get(pk=assignment["id"]).status == "open"
    other = client_for(annotators[1].user)
    assert other.post(f"/api/assignments/{assignment['id']}/release/").status_code == 404


def test_pulls_work_with_query_logging_on(queue_project, regular_items, annotators, settings):
    """DEBUG logs every statement with its parameters (the embedded demo runs so): the queue's
    hand-written statements must pass only parameters that the database can quote."""
    settings.DEBUG = True
    first = pull_next(member=annotators[0])
    assert first is not None
    assert pull_next(member=annotators[0]).pk == first.pk


def test_an_item_raised_to_the_top_is_served_next_while_others_have_open_slots(
    queue_project, regular_items, annotators, make_member, client_for
):
    first = pull_next(member=annotators[0])  # makes the open slots of the three items
    assert Assignment.objects.filter(project=queue_project, status="open").exists()
    late = Item.objects.create(project=queue_project, width=200, height=100, file_name="late.jpg")
    lead = client_for(make_member(queue_project, Role.PROJECT_LEAD).user)
    response = lead.patch(f"/api/items/{late.pk}/", {"priority": 50}, format="json")
    assert response.status_code == 200, response.content

    assert pull_next(member=annotators[1]).item_id == late.pk
    assert pull_next(member=annotators[2]).item_id == late.pk  # its second slot (overlap 2)
    assert pull_next(member=annotators[0]).pk == first.pk  # the held lease is unaffected
