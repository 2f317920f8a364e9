"""Escalation-rule action arguments are checked on save (a 400 naming the path), and a stored
rule that is invalid anyway is skipped on submit instead of failing the annotator's submit."""

from __future__ import annotations

import logging

import pytest

from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment, EscalationRule, Review
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db

WHEN = {"fact": "n_objects", "op": ">", "value": 0}


def definition(*actions: dict) -> dict:
    return {"when": WHEN, "then": list(actions)}


@pytest.fixture
def qa(queue_project, make_member, client_for):
    return client_for(make_member(queue_project, Role.QA_MANAGER).user)


BAD_ACTIONS = [
    ({"action": "set_priority", "value": 1e300}, "value", "must be from -1000000 to 1000000"),
    ({"action": "set_priority", "value": 1_000_001}, "value", "must be from -1000000 to 1000000"),
    ({"action": "set_priority", "value": -1_000_001}, "value", "must be from -1000000 to 1000000"),
    ({"action": "set_priority", "value": 2.5}, "value", "must be an integer"),
    ({"action": "set_priority", "value": "5"}, "value", "must be a finite number"),
    ({"action": "set_priority", "value": True}, "value", "must be a finite number"),
    ({"action": "set_priority"}, "value", "is required"),
    ({"action": "set_sla", "hours": 1e300}, "hours", "must be at most 8760 (a year)"),
    ({"action": "set_sla", "hours": 8760.5}, "hours", "must be at most 8760 (a year)"),
    ({"action": "set_sla", "hours": 0}, "hours", "must be > 0"),
    ({"action": "set_sla", "hours": -1}, "hours", "must be > 0"),
    ({"action": "set_sla", "hours": None}, "hours", "must be a finite number"),
    ({"action": "route", "queue": ""}, "queue", "must be a queue name (1-64 characters)"),
    ({"action": "route", "queue": "  "}, "queue", "must be a queue name (1-64 characters)"),
    ({"action": "route", "queue": "q" * 65}, "queue", "must be a queue name (1-64 characters)"),
    ({"action": "route", "queue": 7}, "queue", "must be a queue name (1-64 characters)"),
]


@pytest.mark.parametrize(("action", "key", "message"), BAD_ACTIONS)
def test_bad_action_arguments_are_400s_on_create_update_and_dry_run(
    queue_project, qa, action, key, message
):
    url = f"/api/projects/{queue_project.pk}/escalation-rules/"
    path = f"definition.then[1].{key}"
    bad = definition({"action": "route", "queue": "senior"}, action)

    created = qa.post(url, {"name": "b", "definition": bad}, format="json")
    assert created.status_code == 400, created.content
    assert created.json() == {path: [message]}
    assert not EscalationRule.objects.exists()

    rule = qa.post(
        url,
        {"name": "g", "definition": definition({"action": "set_sla", "hours": 4})},
        format="json",
    )
    assert rule.status_code == 201, rule.content
    patched = qa.patch(
        f"/api/escalation-rules/{rule.json()['id']}/", {"definition": bad}, format="json"
    )
    assert patched.status_code == 400 and patched.json() == {path: [message]}
    assert EscalationRule.objects.get().definition["then"] == [{"action": "set_sla", "hours": 4}]

    dry = qa.post(
        f"/api/projects/{queue_project.pk}/escalation-rules/dry-run/",
        {"days": 7, "rules": [{"name": "b", "definition": bad}]},
        format="json",
    )
    assert dry.status_code == 400 and dry.json() == {path: [message]}


@pytest.mark.parametrize(
    "action",
    [
        {"action": "set_priority", "value": 1_000_000},
        {"action": "set_priority", "value": -1_000_000},
        {"action": "set_priority", "value": 3.0},
        {"action": "set_sla", "hours": 8760},
        {"action": "set_sla", "hours": 0.25},
        {"action": "route", "queue": "q" * 64},
    ],
)
def test_arguments_at_the_bounds_are_accepted(queue_project, qa, action):
    response = qa.post(
        f"/api/projects/{queue_project.pk}/escalation-rules/",
        {"name": "edge", "definition": definition(action)},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("bad", [[1], "rule", 5])
def test_a_non_object_definition_is_named_definition(queue_project, qa, bad):
    url = f"/api/projects/{queue_project.pk}/escalation-rules/"
    response = qa.post(url, {"name": "r", "definition": bad}, format="json")
    assert response.status_code == 400
    assert response.json() == {"definition": ["must be an object with when and then"]}


def _submit_one(queue_project, annotator, client_for) -> Review:
    client = client_for(annotator.user)
    assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
    response = client.post(
        f"/api/assignments/{assignment['id']}/submit/",
        {"annotations": [box(queue_project.classes.first())]},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Review.objects.get(assignment_id=assignment["id"])


@pytest.mark.parametrize(
    "stored",
    [
        {"action": "set_priority", "value": 1e300},
        {"action": "set_sla", "hours": 1e300},
        {"action": "set_priority", "value": 2.5},
        {"action": "route"},
    ],
)
def test_an_invalid_stored_rule_is_skipped_on_submit(
    queue_project, regular_items, annotators, client_for, stored, caplog
):
    # Saved around the service (an older release, a data migration): never through the API.
    EscalationRule.objects.create(
        project=queue_project, name="broken", order=0, definition=definition(stored)
    )
    EscalationRule.objects.create(
        project=queue_project,
        name="fine",
        order=1,
        definition=definition(
            {"action": "route", "queue": "senior"}, {"action": "set_priority", "value": 7}
        ),
    )

    with caplog.at_level(logging.WARNING, logger="labelqc.workflow"):
        review = _submit_one(queue_project, annotators[0], client_for)

    assert (review.queue, review.priority) == ("senior", 7)
    assert review.reason == "escalated by rule(s): fine"
    item_id = Assignment.objects.get(pk=review.assignment_id).item_id
    assert Item.objects.get(pk=item_id).priority == 7
    skipped = [r for r in caplog.records if r.name == "labelqc.workflow"]
    assert len(skipped) == 1 and "'broken'" in skipped[0].getMessage()
