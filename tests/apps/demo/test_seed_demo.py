"""The demo seed: real photographs, derived ground truth, simulated annotators, idempotent."""

from __future__ import annotations

import pytest
from PIL import Image

from apps.annotations.models import Annotation
from apps.demo.services import DEMO_PROJECT, seed_demo
from apps.items.models import Item
from apps.projects.models import Annotator

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(media_root):
    return seed_demo(n_items=14)


def test_demo_project_has_photos_gold_and_overlapping_work(demo, client):
    items = Item.objects.filter(project=demo)
    assert items.count() == 14
    first = items.first()
    with Image.open(first.file.path) as image:
        assert image.size == (first.width, first.height)
    assert items.filter(is_gold=True).exists()
    gold = Annotation.objects.filter(project=demo, source="gold")
    human = Annotation.objects.filter(project=demo, source="human")
    assert gold.exists() and human.exists()
    authors_per_item = {
        item: human.filter(item_id=item).values("author").distinct().count()
        for item in human.values_list("item_id", flat=True).distinct()
    }
    assert max(authors_per_item.values()) >= 2
    assert (
        Annotator.objects.filter(project=demo, role="annotator").values("cohort").distinct().count()
        == 3
    )
    assert {"qa_manager", "project_lead", "finance", "reviewer"} <= set(
        Annotator.objects.filter(project=demo).values_list("role", flat=True)
    )
    # Seeding is idempotent, and the admin reads the demo through the API.
    again = seed_demo(n_items=14)
    assert again.pk == demo.pk
    assert Item.objects.filter(project__name=DEMO_PROJECT).count() == 14
    assert client.login(username="admin", password="labelqc-demo")
    projects = client.get("/api/projects/").json()
    assert projects["results"][0]["name"] == DEMO_PROJECT
    annotations = client.get(f"/api/projects/{demo.pk}/annotations/?source=gold").json()
    assert annotations["count"] > 0
