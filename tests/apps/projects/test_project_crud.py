"""Deleting through the API: protected classes are a 400, items take their annotations along."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Cohort, LabelClass, Project

pytestmark = pytest.mark.django_db


def test_a_class_in_use_cannot_be_deleted(project, item, lead_client):
    cls = project.classes.first()
    Annotation.objects.create(
        project=project,
        item=item,
        label_class=cls,
        geometry_type="tag",
        source="gold",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    response = lead_client.delete(f"/api/classes/{cls.pk}/")
    assert response.status_code == 400 and "in use" in str(response.json())
    unused = project.classes.last()
    assert lead_client.delete(f"/api/classes/{unused.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="class.delete", entity_id=unused.pk).exists()


def test_deleting_an_item_audits_its_annotations(project, item, lead_client):
    annotation = Annotation.objects.create(
        project=project,
        item=item,
        label_class=project.classes.first(),
        geometry_type="tag",
        source="gold",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assert lead_client.delete(f"/api/items/{item.pk}/").status_code == 204
    assert not Item.objects.filter(pk=item.pk).exists()
    assert AuditEvent.objects.filter(action="annotation.delete", entity_id=annotation.pk).exists()


def test_cohorts_update_and_delete(project, lead_client):
    cohort = Cohort.objects.create(project=project, name="Vendor B", kind="crowd")
    renamed = lead_client.patch(
        f"/api/cohorts/{cohort.pk}/", {"vendor": "OpenCrowd"}, format="json"
    )
    assert renamed.status_code == 200 and renamed.json()["vendor"] == "OpenCrowd"
    clash = lead_client.patch(f"/api/cohorts/{cohort.pk}/", {"name": "Vendor A"}, format="json")
    assert clash.status_code == 400 and "name" in clash.json()
    assert lead_client.delete(f"/api/cohorts/{cohort.pk}/").status_code == 204


def test_only_admins_delete_projects(project, make_member, client_for):
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    assert lead.delete(f"/api/projects/{project.pk}/").status_code == 403
    admin = client_for(make_member(project, Role.ADMIN).user)
    assert admin.delete(f"/api/projects/{project.pk}/").status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


def test_an_admin_deletes_a_project_with_work_in_it(media_root, make_member, client_for):
    # Every kind of row the demo seeds (gold, assignments, reviews, annotations) and a class
    # hierarchy: deleting the project answered 500 (a parent class PROTECTed by its own child).
    from apps.demo.services import seed_demo

    demo = seed_demo(n_items=14)
    LabelClass.objects.create(project=demo, name="sub-class", parent=demo.classes.first())
    admin = client_for(make_member(demo, Role.ADMIN, username="root-admin").user)
    assert admin.delete(f"/api/projects/{demo.pk}/").status_code == 204
    assert not Project.objects.filter(pk=demo.pk).exists()
    assert not LabelClass.objects.filter(project_id=demo.pk).exists()


def test_a_parent_class_is_not_deleted_on_its_own(project, lead_client):
    parent = project.classes.get(name="car")
    LabelClass.objects.create(project=project, name="suv", parent=parent)
    response = lead_client.delete(f"/api/classes/{parent.pk}/")
    assert response.status_code == 400
    assert LabelClass.objects.filter(pk=parent.pk).exists()
