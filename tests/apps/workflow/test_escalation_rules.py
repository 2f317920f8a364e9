"""Rules are validated on save (400 naming the path), route submissions, and dry-run over history."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.workflow.models import EscalationRule, Review
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db

SMALL_OBJECTS = {
    "when": {"all": [{"fact": "min_object_area", "op": "<", "value": 500}]},
    "then": [
        {"action": "route", "queue": "senior_review"},
        {"action": "set_priority", "value": 5},
        {"action": "set_sla", "hours": 4},
    ],
}


@pytest.fixture
def qa(queue_project, make_member, client_for):
    return client_for(make_member(queue_project, Role.QA_MANAGER).user)


def test_invalid_rules_are_400s_naming_the_path(queue_project, qa):
    url = f"/api/projects/{queue_project.pk}/escalation-rules/"
    bad_op = {
        "when": {"all": [{"fact": "min_object_area", "op": "lt", "value": 5}]},
        "then": SMALL_OBJECTS["then"],
    }
    response = qa.post(url, {"name": "r", "definition": bad_op}, format="json")
    assert response.status_code == 400 and "definition.when.all[0].op" in response.json()
    bad_fact = {"when": {"fact": "colour", "op": "==", "value": 1}, "then": SMALL_OBJECTS["then"]}
    assert (
        "definition.when.fact"
        in qa.post(url, {"name": "r", "definition": bad_fact}, format="json").json()
    )
    bad_action = {"when": SMALL_OBJECTS["when"], "then": [{"action": "page_someone"}]}
    assert (
        "definition.then[0].action"
        in qa.post(url, {"name": "r", "definition": bad_action}, format="json").json()
    )
    # An object where a name belongs (found by schemathesis): a 400, not a TypeError.
    unhashable = {"when": {"fact": {}, "op": ">", "value": 1}, "then": [{"action": {}}]}
    response = qa.post(url, {"name": "r", "definition": unhashable}, format="json")
    assert response.status_code == 400
    assert {"definition.when.fact", "definition.then[0].action"} <= set(response.json())


def test_a_rule_routes_matching_submissions(
    queue_project, regular_items, annotators, client_for, qa
):
    queue_project.overlap = 1  # each annotator gets a different item
    queue_project.save()
    created = qa.post(
        f"/api/projects/{queue_project.pk}/escalation-rules/",
        {"name": "small objects", "definition": SMALL_OBJECTS},
        format="json",
    )
    assert created.status_code == 201, created.content
    cls = queue_project.classes.first()
    for member, shape in ((annotators[0], box(cls, w=10, h=10)), (annotators[1], box(cls))):
        client = client_for(member.user)
        assignment = client.post(f"/api/projects/{queue_project.pk}/queue/next/").json()
        client.post(
            f"/api/assignments/{assignment['id']}/submit/", {"annotations": [shape]}, format="json"
        )
    routed = Review.objects.get(assignment__annotator=annotators[0])
    assert routed.queue == "senior_review" and routed.priority == 5 and routed.due_at is not None
    assert "small objects" in routed.reason
    assert Review.objects.get(assignment__annotator=annotators[1]).queue == "review"
    dry = qa.post(
        f"/api/projects/{queue_project.pk}/escalation-rules/dry-run/", {"days": 7}, format="json"
    ).json()
    assert dry["rules"] == [{"name": "small objects", "matched_items": 1, "matched_submissions": 1}]
    assert dry["routed_by_queue"] == {"senior_review": 1}


def test_rule_changes_are_audited(queue_project, qa):
    rule = qa.post(
        f"/api/projects/{queue_project.pk}/escalation-rules/",
        {"name": "small", "definition": SMALL_OBJECTS},
        format="json",
    ).json()
    assert (
        qa.patch(
            f"/api/escalation-rules/{rule['id']}/", {"enabled": False}, format="json"
        ).status_code
        == 200
    )
    assert qa.delete(f"/api/escalation-rules/{rule['id']}/").status_code == 204
    actions = list(
        qa.get(
            f"/api/projects/{queue_project.pk}/audit/?entity_type=workflow.escalationrule"
        ).json()["results"]
    )
    assert [a["action"] for a in actions] == ["rule.delete", "rule.update", "rule.create"]


def test_dry_run_refuses_null_rules_by_field(queue_project, qa):
    url = f"/api/projects/{queue_project.pk}/escalation-rules/dry-run/"
    response = qa.post(url, {"days": 7, "rules": [None, None]}, format="json")
    assert response.status_code == 400
    assert "rules" in response.json()
    given = {"days": 7, "rules": [{"name": "small", "definition": SMALL_OBJECTS}]}
    assert qa.post(url, given, format="json").status_code == 200
    assert qa.post(url, {"days": 7, "rules": None}, format="json").status_code == 200


def test_renaming_a_rule_to_a_taken_name_is_a_400_naming_it(queue_project, qa):
    url = f"/api/projects/{queue_project.pk}/escalation-rules/"
    first = qa.post(url, {"name": "a", "definition": SMALL_OBJECTS}, format="json").json()
    qa.post(url, {"name": "b", "definition": SMALL_OBJECTS}, format="json")
    response = qa.patch(f"/api/escalation-rules/{first['id']}/", {"name": "b"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == ["a rule with this name already exists"]
    assert EscalationRule.objects.get(pk=first["id"]).name == "a"
