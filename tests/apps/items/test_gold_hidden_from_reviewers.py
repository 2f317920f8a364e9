"""Reviewers may annotate, and are then scored on honeypots: they must not tell gold items or read
their answers. Managers see both."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(project):
    item = Item.objects.create(
        project=project, width=64, height=48, file_name="g.jpg", is_gold=True
    )
    answer = Annotation.objects.create(
        project=project,
        item=item,
        label_class=project.classes.first(),
        source="gold",
        geometry_type="box",
        geometry={"x": 10, "y": 10, "w": 20, "h": 10},
        x=10,
        y=10,
        w=20,
        h=10,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return item, answer


def test_reviewers_cannot_tell_gold_items_or_read_their_answers(
    project, gold, make_member, client_for
):
    item, answer = gold
    reviewer = client_for(make_member(project, Role.REVIEWER).user)
    listed = reviewer.get(f"/api/projects/{project.pk}/items/").json()["results"]
    assert [i["id"] for i in listed] == [item.pk] and "is_gold" not in listed[0]
    assert "is_gold" not in reviewer.get(f"/api/items/{item.pk}/").json()
    refused = reviewer.get(f"/api/projects/{project.pk}/items/?is_gold=true")
    assert refused.status_code == 400 and "is_gold" in refused.json()
    annotations = reviewer.get(f"/api/projects/{project.pk}/annotations/?source=gold").json()
    assert annotations["count"] == 0
    assert reviewer.get(f"/api/annotations/{answer.pk}/").status_code == 404


def test_managers_see_gold_flags_and_answers(project, gold, make_member, client_for):
    item, answer = gold
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    assert qa.get(f"/api/items/{item.pk}/").json()["is_gold"] is True
    gold_items = qa.get(f"/api/projects/{project.pk}/items/?is_gold=true").json()["results"]
    assert [i["id"] for i in gold_items] == [item.pk]
    assert qa.get(f"/api/annotations/{answer.pk}/").status_code == 200
