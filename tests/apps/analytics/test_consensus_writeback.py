from __future__ import annotations

import pytest
from django.utils import timezone

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item

pytestmark = pytest.mark.django_db


def test_consensus_is_written_back_and_replaced_on_rerun(
    project, make_member, client_for, django_capture_on_commit_callbacks
):
    cls = project.classes.first()
    item = Item.objects.create(project=project, width=200, height=200, file_name="c.jpg")
    authors = [make_member(project) for _ in range(3)]
    now = timezone.now()
    # Three annotators draw the same object; only one draws a second object (no majority).
    for author, x in zip(authors, (10, 12, 14), strict=True):
        Annotation.objects.create(
            project=project,
            item=item,
            author=author,
            label_class=cls,
            geometry_type="box",
            geometry={},
            x=x,
            y=20,
            w=40,
            h=30,
            area=1200,
            created_at=now,
            updated_at=now,
        )
    Annotation.objects.create(
        project=project,
        item=item,
        author=authors[0],
        label_class=cls,
        geometry_type="box",
        geometry={},
        x=150,
        y=150,
        w=20,
        h=20,
        area=400,
        created_at=now,
        updated_at=now,
    )
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    with django_capture_on_commit_callbacks(execute=True):
        response = qa.post(
            f"/api/projects/{project.pk}/consensus/", {"weighting": "none"}, format="json"
        )
    assert response.status_code == 202, response.content
    consensus = Annotation.objects.get(source="consensus")
    assert (consensus.x, consensus.y, consensus.w, consensus.h) == (12, 20, 40, 30)
    assert consensus.attributes["n_annotators"] == 3 and consensus.model_id == "consensus:none"
    job = qa.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["result"] == {"replaced": 0, "created": 1, "items": 1}
    with django_capture_on_commit_callbacks(execute=True):
        qa.post(f"/api/projects/{project.pk}/consensus/", {"weighting": "none"}, format="json")
    assert Annotation.objects.filter(source="consensus").count() == 1
