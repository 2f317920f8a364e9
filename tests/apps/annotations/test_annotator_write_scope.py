"""Annotators label through the queue only: no bulk writes, edits only on the item they hold, never
gold; no labeler poses as a model by setting `model_id`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.annotations.services import annotations_bulk_create
from apps.audit.models import AuditEvent
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.items.models import Item
from apps.workflow.models import Assignment

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/projects/{project.pk}/annotations/"


def record(item, cls, **extra) -> dict:
    return {
        "item": item.pk,
        "label_class": cls.pk,
        "geometry_type": "box",
        "geometry": {"x": 1, "y": 1, "w": 20, "h": 20},
        **extra,
    }


def hold(project, item, member, status="leased", expires_in=timedelta(hours=1), **fields):
    return Assignment.objects.create(
        project=project,
        item=item,
        annotator=member,
        status=status,
        leased_at=timezone.now(),
        lease_expires_at=timezone.now() + expires_in,
        **fields,
    )


def own_box(project, item, member) -> Annotation:
    now = timezone.now()
    return Annotation.objects.create(
        project=project,
        item=item,
        author=member,
        label_class=project.classes.first(),
        geometry_type="box",
        geometry={"x": 1, "y": 1, "w": 10, "h": 10},
        x=1,
        y=1,
        w=10,
        h=10,
        area=100,
        created_at=now,
        updated_at=now,
    )


@pytest.fixture
def gold_item(project) -> Item:
    return Item.objects.create(
        project=project, width=640, height=480, file_name="g.jpg", sha256="1" * 64, is_gold=True
    )


@pytest.mark.parametrize("extra", [{}, {"model_id": "demo-detector-v1"}])
def test_an_annotator_may_not_bulk_write_even_on_the_item_they_hold(
    project, item, make_member, client_for, extra
):
    member = make_member(project)
    hold(project, item, member)
    response = client_for(member.user).post(
        url(project),
        {"annotations": [record(item, project.classes.first(), **extra)]},
        format="json",
    )
    assert response.status_code == 403
    assert "POST /api/assignments/{id}/submit/" in response.json()["detail"]
    assert Annotation.objects.count() == 0
    assert AuditEvent.objects.filter(action="annotation.create").count() == 0


def test_an_annotator_may_not_bulk_write_on_a_gold_item(
    project, gold_item, make_member, client_for
):
    member = make_member(project)
    response = client_for(member.user).post(
        url(project), {"annotations": [record(gold_item, project.classes.first())]}, format="json"
    )
    assert response.status_code == 403
    assert not Annotation.objects.filter(item=gold_item).exists()


def test_the_service_refuses_an_annotator_items_the_caller_does_not_vouch_for(
    project, item, make_member
):
    member = make_member(project)
    with pytest.raises(ServiceValidationError) as refused:
        annotations_bulk_create(
            actor=member.user,
            project_id=project.pk,
            records=[record(item, project.classes.first())],
            role=Role.ANNOTATOR,
            member=member,
        )
    assert refused.value.errors == {
        "annotations[0].item": [f"item {item.pk} is not your queue assignment"]
    }
    assert Annotation.objects.count() == 0


def test_a_reviewer_setting_a_model_id_is_a_400_naming_it(project, item, make_member, client_for):
    reviewer = make_member(project, Role.REVIEWER)
    body = {"annotations": [record(item, project.classes.first(), model_id="demo-detector-v1")]}
    response = client_for(reviewer.user).post(url(project), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "annotations[0].model_id": [
            "only managers may set a model_id: your annotations are human work"
        ]
    }
    assert Annotation.objects.count() == 0


def test_a_reviewer_setting_source_and_model_id_hears_about_both(
    project, item, make_member, client_for
):
    reviewer = make_member(project, Role.REVIEWER)
    cls = project.classes.first()
    body = {"annotations": [record(item, cls, source="prelabel", model_id="m")]}
    response = client_for(reviewer.user).post(url(project), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"annotations[0].source", "annotations[0].model_id"}


def test_a_reviewer_still_writes_plain_human_labels(project, item, make_member, client_for):
    reviewer = make_member(project, Role.REVIEWER)
    body = {"annotations": [record(item, project.classes.first())]}
    response = client_for(reviewer.user).post(url(project), body, format="json")
    assert response.status_code == 201, response.content
    stored = Annotation.objects.get()
    assert (stored.author_id, stored.source, stored.model_id) == (reviewer.pk, "human", "")


def test_a_manager_still_sets_model_id_and_source(project, item, lead_client):
    body = {
        "annotations": [
            record(item, project.classes.first(), source="prelabel", model_id="demo-detector-v1")
        ]
    }
    response = lead_client.post(url(project), body, format="json")
    assert response.status_code == 201, response.content
    stored = Annotation.objects.get()
    assert (stored.source, stored.model_id) == ("prelabel", "demo-detector-v1")


def test_a_queue_submit_with_a_model_id_is_a_400_naming_it(project, item, make_member, client_for):
    member = make_member(project)
    assignment = hold(project, item, member)
    body = {
        "annotations": [
            {
                "label_class": project.classes.first().pk,
                "geometry_type": "box",
                "geometry": {"x": 1, "y": 1, "w": 20, "h": 20},
                "model_id": "demo-detector-v1",
            }
        ]
    }
    response = client_for(member.user).post(
        f"/api/assignments/{assignment.pk}/submit/", body, format="json"
    )
    assert response.status_code == 400
    assert "annotations[0].model_id" in response.json()
    assert Annotation.objects.count() == 0
    assert Assignment.objects.get(pk=assignment.pk).status == "leased"


def test_a_queue_submit_on_a_held_item_still_works(project, item, make_member, client_for):
    member = make_member(project)
    assignment = hold(project, item, member)
    body = {"annotations": [record(item, project.classes.first())]}
    response = client_for(member.user).post(
        f"/api/assignments/{assignment.pk}/submit/", body, format="json"
    )
    assert response.status_code == 201, response.content
    stored = Annotation.objects.get()
    assert (stored.author_id, stored.source, stored.model_id) == (member.pk, "human", "")


@pytest.mark.parametrize(
    "held",
    [
        None,
        {"status": "submitted"},
        {"status": "leased", "expires_in": timedelta(minutes=-1)},
    ],
    ids=["never-assigned", "already-submitted", "lease-expired"],
)
def test_an_annotator_may_not_edit_or_delete_own_work_on_an_item_they_do_not_hold(
    project, item, make_member, client_for, held
):
    member = make_member(project)
    if held is not None:
        hold(project, item, member, **held)
    annotation = own_box(project, item, member)
    client = client_for(member.user)
    edit = client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 2, "y": 2, "w": 30, "h": 30}},
        format="json",
    )
    assert edit.status_code == 400
    assert edit.json() == {
        "annotation": [f"item {item.pk} is not an assignment you hold in the queue"]
    }
    assert client.delete(f"/api/annotations/{annotation.pk}/").status_code == 400
    annotation.refresh_from_db()
    assert (annotation.version, annotation.w) == (1, 10)


@pytest.mark.parametrize("gold", ["item", "assignment"])
def test_an_annotator_may_not_edit_own_work_on_a_gold_item_even_when_held(
    project, item, gold_item, make_member, client_for, gold
):
    member = make_member(project)
    target = gold_item if gold == "item" else item
    hold(project, target, member, is_gold=gold == "assignment")
    annotation = own_box(project, target, member)
    client = client_for(member.user)
    edit = client.patch(
        f"/api/annotations/{annotation.pk}/", {"version": 1, "score": 0.5}, format="json"
    )
    assert edit.status_code == 400
    assert "annotation" in edit.json()
    assert client.delete(f"/api/annotations/{annotation.pk}/").status_code == 400
    assert Annotation.objects.filter(pk=annotation.pk, version=1).exists()


@pytest.mark.parametrize("status", ["leased", "rework"])
def test_an_annotator_edits_and_deletes_own_work_on_the_item_they_hold(
    project, item, make_member, client_for, status
):
    member = make_member(project)
    hold(project, item, member, status=status)
    annotation = own_box(project, item, member)
    client = client_for(member.user)
    edit = client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 2, "y": 2, "w": 30, "h": 30}},
        format="json",
    )
    assert edit.status_code == 200, edit.content
    assert edit.json()["w"] == 30
    assert client.delete(f"/api/annotations/{annotation.pk}/?version=2").status_code == 204
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_an_annotator_may_not_edit_someone_elses_work_on_the_item_they_hold(
    project, item, make_member, client_for
):
    owner, other = make_member(project), make_member(project)
    hold(project, item, other)
    annotation = own_box(project, item, owner)
    response = client_for(other.user).patch(
        f"/api/annotations/{annotation.pk}/", {"version": 1, "score": 0.5}, format="json"
    )
    assert response.status_code == 404
