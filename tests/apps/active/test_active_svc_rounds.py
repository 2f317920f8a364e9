"""Active-learning rounds through the API: picks, queue priority, the queue serving them first."""

from __future__ import annotations

import pytest

from apps.active.models import ActiveLearningRound
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.items.models import Item
from apps.jobs.models import Job
from tests.apps.active.conftest import label

pytestmark = pytest.mark.django_db


def start(client, project, body, capture):
    with capture(execute=True):
        response = client.post(
            f"/api/projects/{project.pk}/active-learning/rounds/", body, format="json"
        )
    return response


def test_margin_round_raises_priorities_and_the_queue_serves_picks_first(
    project, pool, lead_client, make_member, client_for, django_capture_on_commit_callbacks
):
    Item.objects.filter(pk=pool.items[0].pk).update(priority=7)  # e.g. raised by escalation
    body = {"strategy": "margin", "batch_size": 3, "seed": 1}
    response = start(lead_client, project, body, django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    round_ = ActiveLearningRound.objects.get(pk=response.json()["id"])
    assert round_.status == "done" and round_.job.status == "succeeded"
    assert round_.job.kind == "active.round"
    picks = list(round_.picks.order_by("rank"))
    assert len(picks) == 3 and [p.rank for p in picks] == [0, 1, 2]
    picked = [p.item_id for p in picks]
    assert not set(picked) & pool.labeled  # labeled items are never picked
    priorities = dict(Item.objects.values_list("pk", "priority"))
    others = [priorities[pk] for pk in priorities if pk not in picked]
    assert [priorities[pk] for pk in picked] == [p.priority_after for p in picks]
    assert priorities[picked[0]] > priorities[picked[1]] > priorities[picked[2]] > max(others)
    assert max(others) == 7 and priorities[picked[2]] == 8  # just above the rest, in pick order
    assert all(p.priority_before == 0 or p.item_id == pool.items[0].pk for p in picks)
    assert all(0.0 <= p.score <= 1.0 for p in picks)
    assert round_.model["kind"] == "logistic_regression" and round_.model["n_features"] == 174
    assert round_.model["metrics"]["n_labeled"] == 4
    assert round_.model["metrics"]["train_accuracy"] == 1.0  # coins vs cat crops separate
    assert round_.pool["labeled"] == 4 and round_.pool["unlabeled"] == 6
    assert round_.pool["label_sources"] == {"consensus": 4}
    raised = AuditEvent.objects.filter(action="item.priority_raise")
    assert sorted(raised.values_list("entity_id", flat=True)) == sorted(picked)
    done = AuditEvent.objects.get(action="active.round_done", entity_id=round_.pk)
    assert done.before["status"] != "done" and done.after["status"] == "done"
    assert done.project_id == round_.project_id

    detail = lead_client.get(f"/api/active-learning/rounds/{round_.pk}/").json()
    assert [p["item"] for p in detail["picks"]] == picked and detail["strategy"] == "margin"
    listed = lead_client.get(f"/api/projects/{project.pk}/active-learning/rounds/").json()
    assert [r["id"] for r in listed["results"]] == [round_.pk]

    for expected in picked[:2]:  # each annotator is served the next pick first
        annotator = client_for(make_member(project, Role.ANNOTATOR).user)
        served = annotator.post(f"/api/projects/{project.pk}/queue/next/")
        assert served.status_code == 200 and served.json()["item"]["id"] == expected


def test_same_seed_same_picks_and_later_rounds_go_first(
    project, pool, lead_client, django_capture_on_commit_callbacks
):
    body = {"strategy": "hybrid", "batch_size": 2, "seed": 3}
    first = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    second = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    a, b = (ActiveLearningRound.objects.get(pk=pk) for pk in (first, second))
    picks_a = [p.item_id for p in a.picks.order_by("rank")]
    assert picks_a == [p.item_id for p in b.picks.order_by("rank")]  # same data + seed
    for pk in picks_a:  # the picks get labeled; the next round picks others, served first
        label(
            Item.objects.get(pk=pk), pool.car if pk in {i.pk for i in pool.coins} else pool.person
        )
    third = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    c = ActiveLearningRound.objects.get(pk=third)
    picks_c = [p.item_id for p in c.picks.order_by("rank")]
    assert not set(picks_c) & set(picks_a)
    priority = dict(Item.objects.values_list("pk", "priority"))
    assert min(priority[pk] for pk in picks_c) > max(priority[pk] for pk in picks_a)


def test_diversity_needs_no_labels(project, media_root, lead_client,
                                   django_capture_on_commit_callbacks):  # fmt: skip
    from tests.apps.active.conftest import crops
    from tests.apps.prelabel.conftest import upload_item

    for name, array in crops()[:4]:
        upload_item(project, array, name)
    body = {"strategy": "diversity", "batch_size": 2}
    round_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    round_ = ActiveLearningRound.objects.get(pk=round_id)
    assert round_.status == "done" and round_.picks.count() == 2
    assert round_.model["metrics"] is None and "labeled class" in round_.model["metrics_reason"]


def test_sam2_uncertainty_picks_the_most_uncertain_prelabels(
    project, pool, lead_client, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from apps.annotations.models import Annotation

    unlabeled = [item for item in pool.items if item.pk not in pool.labeled]
    for item, value in zip(unlabeled[:3], (0.2, 0.9, 0.5), strict=True):
        now = timezone.now()
        Annotation.objects.create(
            project=project, item=item, label_class=pool.car, source="prelabel",
            model_id="sam2.1_hiera_t@abc", geometry_type="tag",
            attributes={"uncertainty": value}, created_at=now, updated_at=now,
        )  # fmt: skip
    body = {"strategy": "sam2_uncertainty", "batch_size": 2}
    round_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    round_ = ActiveLearningRound.objects.get(pk=round_id)
    assert [p.item_id for p in round_.picks.order_by("rank")] == [unlabeled[1].pk, unlabeled[2].pk]
    assert [p.score for p in round_.picks.order_by("rank")] == [0.9, 0.5]
    assert round_.pool["excluded"] == {"no SAM 2 uncertainty": 3}


def test_bad_rounds_are_400_naming_the_field(project, pool, lead_client):
    url = f"/api/projects/{project.pk}/active-learning/rounds/"
    cases = [
        ({"strategy": "margin", "batch_size": 0}, "batch_size"),
        ({"strategy": "bald", "batch_size": 2}, "strategy"),
        ({"strategy": "margin", "batch_size": 2, "features": "sam2_embedding"}, "features"),
        ({"strategy": "sam2_uncertainty", "batch_size": 2}, "strategy"),  # no pre-labels yet
        ({"strategy": "margin", "batch_size": 2, "down_weight_below_gold": 1.5},
         "down_weight_below_gold"),
    ]  # fmt: skip
    for body, field in cases:
        response = lead_client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    # a model needs two labeled classes
    from apps.annotations.models import Annotation

    Annotation.objects.filter(label_class=pool.person).delete()
    response = lead_client.post(url, {"strategy": "entropy", "batch_size": 2}, format="json")
    assert response.status_code == 400 and "two classes" in response.json()["strategy"][0]
    assert not Job.objects.exists()


def test_round_roles(project, pool, make_member, client_for, django_capture_on_commit_callbacks):
    url = f"/api/projects/{project.pk}/active-learning/rounds/"
    body = {"strategy": "random", "batch_size": 1}
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE):
        client = client_for(make_member(project, role).user)
        assert client.post(url, body, format="json").status_code == 403, role
        assert client.get(url).status_code == 403, role
    for role in (Role.PROJECT_LEAD, Role.QA_MANAGER, Role.ADMIN):
        client = client_for(make_member(project, role).user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, body, format="json")
        assert response.status_code == 202, role
        detail = client.get(f"/api/active-learning/rounds/{response.json()['id']}/")
        assert detail.status_code == 200
    reviewer = client_for(make_member(project, Role.REVIEWER).user)
    round_id = ActiveLearningRound.objects.first().pk
    assert reviewer.get(f"/api/active-learning/rounds/{round_id}/").status_code == 403


def test_gold_items_train_but_are_never_picked(
    project, pool, lead_client, django_capture_on_commit_callbacks
):
    gold = pool.coins[4]
    Item.objects.filter(pk=gold.pk).update(is_gold=True)
    label(gold, pool.car, source="gold")
    extra_gold = pool.cats[4]
    Item.objects.filter(pk=extra_gold.pk).update(is_gold=True)  # gold item without an answer
    body = {"strategy": "margin", "batch_size": 10}
    round_id = start(lead_client, project, body, django_capture_on_commit_callbacks).json()["id"]
    round_ = ActiveLearningRound.objects.get(pk=round_id)
    picked = {p.item_id for p in round_.picks.all()}
    assert gold.pk not in picked and extra_gold.pk not in picked
    assert round_.pool["label_sources"] == {"consensus": 4, "gold": 1}
    assert len(picked) == 4  # every unlabeled regular item, and nothing else


def test_items_the_queue_cannot_serve_are_never_picked(
    project, pool, lead_client, django_capture_on_commit_callbacks
):
    from apps.intake.models import Batch, BatchItem
    from apps.intake.services.batches import batch_add_items, batch_create

    unlabeled = [item for item in pool.items if item.pk not in pool.labeled]
    waiting = batch_create(actor=None, project_id=project.pk, data={"name": "not released"})
    batch_add_items(actor=None, batch=waiting, item_ids=[unlabeled[0].pk])
    released = batch_create(actor=None, project_id=project.pk, data={"name": "released"})
    batch_add_items(actor=None, batch=released, item_ids=[unlabeled[1].pk, unlabeled[2].pk])
    Batch.objects.filter(pk=released.pk).update(status="released")
    BatchItem.objects.filter(item=unlabeled[1]).update(held=True)  # e.g. a duplicate

    body = {"strategy": "margin", "batch_size": 6, "seed": 1}
    response = start(lead_client, project, body, django_capture_on_commit_callbacks)
    round_ = ActiveLearningRound.objects.get(pk=response.json()["id"])
    assert round_.status == "done", round_.error
    picked = {p.item_id for p in round_.picks.all()}
    assert picked == {item.pk for item in unlabeled[2:]}  # the released, not held one included
    assert round_.pool["unlabeled"] == 4
    assert round_.pool["excluded"] == {"held by intake or not released": 2}
