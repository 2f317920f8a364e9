"""The service on real PostgreSQL: migrations apply, and a 10,000-annotation bulk write is atomic."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.annotations.models import Annotation
from apps.items.models import Item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_migrations_apply_on_postgresql():
    assert connection.vendor == "postgresql"
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    with connection.cursor() as cursor:
        cursor.execute("select to_regclass('annotations_annotation') is not null")
        assert cursor.fetchone()[0]


def _records(project, items, count: int) -> list[dict]:
    classes = list(project.classes.values_list("pk", flat=True))
    return [
        {
            "item": items[i % len(items)].pk,
            "label_class": classes[i % len(classes)],
            "geometry_type": "box",
            "source": "gold",
            "geometry": {"x": i % 500, "y": i % 400, "w": 20.5, "h": 10.25},
        }
        for i in range(count)
    ]


def test_ten_thousand_annotations_in_one_bulk_request(project, lead_client):
    items = Item.objects.bulk_create(
        [Item(project=project, width=640, height=480, file_name=f"{i}.jpg") for i in range(50)]
    )
    response = lead_client.post(
        f"/api/projects/{project.pk}/annotations/",
        {"annotations": _records(project, items, 10_000)},
        format="json",
    )
    assert response.status_code == 201, response.content[:500]
    assert Annotation.objects.filter(project=project).count() == 10_000
    assert len(set(response.json()["ids"])) == 10_000


def test_one_bad_record_in_ten_thousand_writes_nothing(project, lead_client):
    items = Item.objects.bulk_create(
        [Item(project=project, width=640, height=480, file_name=f"{i}.jpg") for i in range(50)]
    )
    records = _records(project, items, 10_000)
    records[9_999]["geometry"]["w"] = 10_000
    response = lead_client.post(
        f"/api/projects/{project.pk}/annotations/", {"annotations": records}, format="json"
    )
    assert response.status_code == 400
    assert "annotations[9999].geometry.w" in response.json()
    assert Annotation.objects.count() == 0
