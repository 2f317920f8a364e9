"""The qualification gate: a new annotator gets gold only until their first gold items are
scored, then regular work if they reached the project's bar, else a 403 and an alert for QA
until a manager clears them. Off by default; only annotators are gated."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.projects.models import Annotator, Project
from apps.workflow.models import Alert, Assignment
from tests.apps.workflow.conftest import box

pytestmark = pytest.mark.django_db


@pytest.fixture
def gated(queue_project, regular_items, gold_items):
    """Two gold items to qualify on, at a mean gold accuracy of at least 0.75."""
    queue_project.honeypot_initial_count = 2
    queue_project.qualification_accuracy = 0.75
    queue_project.save()
    return queue_project


def pull(client, project):
    return client.post(f"/api/projects/{project.pk}/queue/next/")


def answer_gold(client, project, right: bool) -> dict:
    """Pull (a gold item is expected) and submit a right answer or one with an extra box
    (accuracy 0.5: one match, one extra)."""
    assignment = pull(client, project).json()
    assert Assignment.objects.get(pk=assignment["id"]).is_gold
    cls = project.classes.first()
    boxes = [box(cls)] if right else [box(cls), box(cls, x=120)]
    submitted = client.post(
        f"/api/assignments/{assignment['id']}/submit/", {"annotations": boxes}, format="json"
    )
    assert submitted.status_code == 201, submitted.content
    return assignment


def test_a_qualified_annotator_gets_regular_work_after_gold_only(gated, annotators, client_for):
    client = client_for(annotators[0].user)
    answer_gold(client, gated, right=True)
    answer_gold(client, gated, right=False)  # mean (1 + 0.5) / 2 = 0.75: just at the bar
    regular = pull(client, gated)
    assert regular.status_code == 200
    assert not Assignment.objects.get(pk=regular.json()["id"]).is_gold
    member = Annotator.objects.get(pk=annotators[0].pk)
    assert member.qualification == "passed" and member.qualification_decided_at
    assert client.get(f"/api/projects/{gated.pk}/me/stats/").json()["qualification"] == "passed"
    decided = AuditEvent.objects.get(action="member.qualification", entity_id=member.pk)
    assert decided.after["gold_items"] == 2 and decided.after["gold_accuracy"] == 0.75
    assert not Alert.objects.filter(kind="qualification").exists()


def test_a_failed_annotator_is_refused_work_until_a_manager_clears_them(
    gated, annotators, client_for, make_member
):
    client = client_for(annotators[0].user)
    answer_gold(client, gated, right=False)
    answer_gold(client, gated, right=False)  # mean 0.5 < 0.75
    refused = pull(client, gated)
    assert refused.status_code == 403 and "qualification" in refused.json()["detail"]
    alert = Alert.objects.get(kind="qualification")
    assert alert.resolved_at is None and "0.50" in alert.message
    assert annotators[0].user.username not in alert.message  # the pseudonym, not the account
    assert pull(client, gated).status_code == 403  # decided once, no second alert
    assert Alert.objects.filter(kind="qualification").count() == 1

    qa = client_for(make_member(gated, Role.QA_MANAGER).user)
    url = f"/api/annotators/{annotators[0].pk}/qualification/"
    assert qa.post(url, {"qualification": "pending"}, format="json").status_code == 400
    cleared = qa.post(url, {"qualification": "passed", "note": "retrained"}, format="json")
    assert cleared.status_code == 200 and cleared.json()["qualification"] == "passed"
    alert.refresh_from_db()
    assert alert.resolved_at and alert.resolution == "cleared by a manager: retrained"
    assert AuditEvent.objects.filter(
        action="member.qualification", entity_id=annotators[0].pk, reason="retrained"
    ).exists()
    regular = pull(client, gated)
    assert regular.status_code == 200
    assert not Assignment.objects.get(pk=regular.json()["id"]).is_gold
    assert "is_gold" not in regular.json()["item"]  # annotators never learn which items are gold


def test_a_pending_annotator_without_gold_left_is_told_so(gated, annotators, client_for):
    gated.honeypot_initial_count = 5  # more than the three gold items there are
    gated.save()
    client = client_for(annotators[0].user)
    for _ in range(3):
        answer_gold(client, gated, right=True)
    refused = pull(client, gated)
    assert refused.status_code == 403 and "no qualification" in refused.json()["detail"]
    assert Annotator.objects.get(pk=annotators[0].pk).qualification == "pending"
    alert = Alert.objects.get(kind="qualification")  # QA learns someone is stuck
    assert alert.details["out_of_gold"] and "no gold items" in alert.message
    assert pull(client, gated).status_code == 403
    assert Alert.objects.filter(kind="qualification").count() == 1


def test_the_gate_is_off_by_default_and_only_for_annotators(
    queue_project, regular_items, gold_items, annotators, client_for, make_member
):
    # Off: no gold configured to start with, and a regular item at once.
    first = pull(client_for(annotators[0].user), queue_project)
    assert first.status_code == 200 and not Assignment.objects.get(pk=first.json()["id"]).is_gold
    # On, for a reviewer pulling annotation work: not gated.
    queue_project.qualification_accuracy = 0.9
    queue_project.save()
    reviewer = make_member(queue_project, Role.REVIEWER)
    pulled = pull(client_for(reviewer.user), queue_project)
    assert pulled.status_code == 200
    assert not Assignment.objects.get(pk=pulled.json()["id"]).is_gold


def test_members_with_enough_gold_are_decided_when_the_gate_is_turned_on(
    queue_project, regular_items, gold_items, annotators, client_for
):
    queue_project.honeypot_initial_count = 1
    queue_project.save()
    client = client_for(annotators[0].user)
    answer_gold(client, queue_project, right=False)  # before the gate: accuracy 0.5
    project = Project.objects.get(pk=queue_project.pk)
    project.qualification_accuracy = 0.6
    project.save()
    assert pull(client, project).status_code == 403
    assert Annotator.objects.get(pk=annotators[0].pk).qualification == "failed"


def test_only_managers_decide_and_the_setting_is_checked(
    gated, annotators, client_for, make_member
):
    url = f"/api/annotators/{annotators[0].pk}/qualification/"
    own = client_for(annotators[0].user).post(url, {"qualification": "passed"}, format="json")
    assert own.status_code == 403
    lead = client_for(make_member(gated, Role.PROJECT_LEAD).user)
    bad = lead.patch(f"/api/projects/{gated.pk}/", {"qualification_accuracy": 1.5}, format="json")
    assert bad.status_code == 400 and "qualification_accuracy" in bad.json()
    off = lead.patch(f"/api/projects/{gated.pk}/", {"qualification_accuracy": None}, format="json")
    assert off.status_code == 200 and off.json()["qualification_accuracy"] is None


def test_a_retake_counts_only_the_gold_answered_after_it(
    gated, annotators, client_for, make_member
):
    gated.honeypot_initial_count = 1
    gated.save()
    client = client_for(annotators[0].user)
    answer_gold(client, gated, right=False)  # 0.5 < 0.75: failed
    assert pull(client, gated).status_code == 403
    qa_user = make_member(gated, Role.QA_MANAGER).user
    qa = client_for(qa_user)
    url = f"/api/annotators/{annotators[0].pk}/qualification/"
    retake = qa.post(url, {"qualification": "retake", "note": "second try"}, format="json")
    assert retake.status_code == 200, retake.content
    body = retake.json()
    assert body["qualification"] == "pending" and body["qualification_decided_at"] is None
    assert body["qualification_attempt_from"]
    alert = Alert.objects.get(kind="qualification")
    assert alert.resolved_at and alert.resolution == "a retake granted by a manager: second try"
    assert alert.resolved_by.username == qa_user.username
    event = AuditEvent.objects.get(action="member.qualification", reason="second try")
    assert event.before["qualification"] == "failed" and event.after["qualification"] == "pending"

    # Gold again (an item not seen before); the failed answer before the retake no longer counts.
    answer_gold(client, gated, right=True)
    regular = pull(client, gated)
    assert regular.status_code == 200
    assert not Assignment.objects.get(pk=regular.json()["id"]).is_gold
    assert Annotator.objects.get(pk=annotators[0].pk).qualification == "passed"


def test_failing_the_retake_opens_the_alert_again(gated, annotators, client_for, make_member):
    gated.honeypot_initial_count = 1
    gated.save()
    client = client_for(annotators[0].user)
    answer_gold(client, gated, right=False)
    assert pull(client, gated).status_code == 403
    qa = client_for(make_member(gated, Role.QA_MANAGER).user)
    url = f"/api/annotators/{annotators[0].pk}/qualification/"
    assert qa.post(url, {"qualification": "retake"}, format="json").status_code == 200
    answer_gold(client, gated, right=False)
    assert pull(client, gated).status_code == 403
    alert = Alert.objects.get(kind="qualification")
    assert alert.resolved_at is None and "the retake's 1 gold items" in alert.message


def test_a_decision_from_the_old_attempt_does_not_undo_a_retake_granted_meanwhile(
    gated, annotators, client_for
):
    from django.utils import timezone

    from apps.workflow.services.qualification import qualification_state

    gated.honeypot_initial_count = 1
    gated.save()
    answer_gold(client_for(annotators[0].user), gated, right=False)
    stale = Annotator.objects.get(pk=annotators[0].pk)  # a pull read the member: pending
    Annotator.objects.filter(pk=stale.pk).update(qualification_attempt_from=timezone.now())
    qualification_state(stale, gated)  # ... and decides from the first attempt's gold
    fresh = Annotator.objects.get(pk=stale.pk)
    assert fresh.qualification == "pending" and fresh.qualification_attempt_from is not None
    assert not Alert.objects.filter(kind="qualification").exists()


def test_a_pending_annotator_gets_gold_even_while_holding_regular_work(
    gated, annotators, client_for, make_member
):
    # Off, and no initial gold: ada takes regular work and keeps the lease.
    gated.qualification_accuracy, gated.honeypot_initial_count = None, 0
    gated.save()
    client = client_for(annotators[0].user)
    regular = pull(client, gated).json()
    assert not Assignment.objects.get(pk=regular["id"]).is_gold
    gated.qualification_accuracy = 0.75
    gated.save()
    served = pull(client, gated)
    assert served.status_code == 200
    assert Assignment.objects.get(pk=served.json()["id"]).is_gold
    released = Assignment.objects.get(pk=regular["id"])
    assert released.status == "open" and released.annotator_id is None
    # The gold lease she now holds is what the next pull returns (no second gold item).
    assert pull(client, gated).json()["id"] == served.json()["id"]


def test_decisions_need_a_gate_an_annotator_and_enough_unseen_gold(
    gated, annotators, client_for, make_member
):
    qa = client_for(make_member(gated, Role.QA_MANAGER).user)
    reviewer = make_member(gated, Role.REVIEWER)
    url = "/api/annotators/{}/qualification/"
    refused = qa.post(url.format(reviewer.pk), {"qualification": "failed"}, format="json")
    assert refused.status_code == 400 and "only annotators" in refused.json()["qualification"][0]

    gated.honeypot_initial_count = 4  # more than the three gold items there are
    gated.save()
    retake = qa.post(url.format(annotators[0].pk), {"qualification": "retake"}, format="json")
    assert retake.status_code == 400
    assert "needs 4 gold items" in retake.json()["qualification"][0]
    assert Annotator.objects.get(pk=annotators[0].pk).qualification_attempt_from is None

    gated.qualification_accuracy = None
    gated.save()
    off = qa.post(url.format(annotators[0].pk), {"qualification": "failed"}, format="json")
    assert off.status_code == 400 and "no qualification gate" in off.json()["qualification"][0]
    assert Annotator.objects.get(pk=annotators[0].pk).qualification == "pending"
