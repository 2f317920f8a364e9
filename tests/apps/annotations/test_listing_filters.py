from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_filters_validate_and_apply(project, item, lead_client):
    car, person = project.classes.all()
    records = [
        {
            "item": item.pk,
            "label_class": car.pk,
            "geometry_type": "box",
            "source": "gold",
            "geometry": {"x": 1, "y": 1, "w": 5, "h": 5},
        },
        {"item": item.pk, "label_class": person.pk, "geometry_type": "tag", "source": "gold"},
    ]
    assert (
        lead_client.post(
            f"/api/projects/{project.pk}/annotations/", {"annotations": records}, format="json"
        ).status_code
        == 201
    )
    base = f"/api/projects/{project.pk}/annotations/"
    assert lead_client.get(base).json()["count"] == 2
    assert lead_client.get(f"{base}?label_class={person.pk}").json()["count"] == 1
    assert lead_client.get(f"{base}?source=human").json()["count"] == 0
    assert (
        lead_client.get(f"{base}?created_after=2000-01-01T00:00Z&page_size=1").json()["count"] == 2
    )
    bad = lead_client.get(f"{base}?created_after=yesterday")
    assert bad.status_code == 400 and "created_after" in bad.json()
    assert lead_client.get(f"{base}?source=robot").status_code == 400
