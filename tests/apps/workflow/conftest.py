from __future__ import annotations

import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.items.models import Item


@pytest.fixture
def queue_project(project):
    project.overlap = 2
    project.honeypot_initial_count = 0
    project.honeypot_rate = 0.0
    project.save()
    return project


@pytest.fixture
def regular_items(queue_project):
    return Item.objects.bulk_create(
        [
            Item(project=queue_project, width=200, height=100, file_name=f"r{i}.jpg")
            for i in range(3)
        ]
    )


@pytest.fixture
def gold_items(queue_project):
    items = Item.objects.bulk_create(
        [
            Item(project=queue_project, width=200, height=100, file_name=f"g{i}.jpg", is_gold=True)
            for i in range(3)
        ]
    )
    cls = queue_project.classes.first()
    for item in items:
        Annotation.objects.create(
            project=queue_project,
            item=item,
            source="gold",
            label_class=cls,
            geometry_type="box",
            geometry={"x": 10, "y": 10, "w": 50, "h": 40},
            x=10,
            y=10,
            w=50,
            h=40,
            area=2000,
            created_at="2026-01-01T00:00Z",
            updated_at="2026-01-01T00:00Z",
        )
    return items


@pytest.fixture
def annotators(queue_project, make_member):
    return [make_member(queue_project, Role.ANNOTATOR) for _ in range(3)]


def box(cls, x=10, y=10, w=50, h=40) -> dict:
    return {
        "label_class": cls.pk,
        "geometry_type": "box",
        "geometry": {"x": x, "y": y, "w": w, "h": h},
    }
