"""50 concurrent pullers on real PostgreSQL: no slot handed out twice, every submission stored once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator
from apps.workflow.models import Assignment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS = 50
ITEMS = 40
OVERLAP = 3


def test_fifty_concurrent_pullers_never_share_a_slot(project):
    project.overlap = OVERLAP
    project.honeypot_initial_count = 0
    project.honeypot_rate = 0.0
    project.save()
    Item.objects.bulk_create(
        Item(project=project, width=100, height=100, file_name=f"{i}.jpg") for i in range(ITEMS)
    )
    cls = project.classes.first()
    members = [
        Annotator.objects.create(
            project=project,
            role=Role.ANNOTATOR,
            user=get_user_model().objects.create_user(f"puller{i}", password="x"),
        )
        for i in range(WORKERS)
    ]
    barrier = threading.Barrier(WORKERS)
    results: list[tuple[int, int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(member: Annotator) -> None:
        client = APIClient()
        client.force_authenticate(member.user)
        try:
            barrier.wait()
            while True:
                response = client.post(f"/api/projects/{project.pk}/queue/next/")
                if response.status_code == 204:
                    break
                assert response.status_code == 200, response.content
                body = response.json()
                shape = {
                    "label_class": cls.pk,
                    "geometry_type": "box",
                    "geometry": {"x": 1, "y": 1, "w": 10, "h": 10},
                }
                done = client.post(
                    f"/api/assignments/{body['id']}/submit/",
                    {"annotations": [shape]},
                    format="json",
                )
                assert done.status_code == 201, done.content
                with lock:
                    results.append((body["id"], body["item"]["id"], member.pk))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    assignment_ids = [a for a, _, _ in results]
    assert len(assignment_ids) == len(set(assignment_ids)) == ITEMS * OVERLAP
    per_item = Counter(item for _, item, _ in results)
    assert set(per_item.values()) == {OVERLAP}
    assert len({(item, member) for _, item, member in results}) == len(results)
    # Every submitted shape is stored exactly once.
    assert Annotation.objects.filter(project=project).count() == ITEMS * OVERLAP
    assert Assignment.objects.filter(project=project, status="submitted").count() == ITEMS * OVERLAP
