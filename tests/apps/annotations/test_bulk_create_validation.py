"""Bad geometry is a 400 naming the field, and a bulk request writes nothing unless all is valid."""

from __future__ import annotations

import pytest

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/projects/{project.pk}/annotations/"


def box(item, cls, **geometry):
    return {
        "item": item.pk,
        "label_class": cls.pk,
        "geometry_type": "box",
        "geometry": geometry,
        "source": "gold",
    }


def test_valid_boxes_are_created_and_audited(project, item, lead_client):
    cls = project.classes.first()
    response = lead_client.post(
        url(project), {"annotations": [box(item, cls, x=1, y=2, w=30, h=40)] * 3}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3
    assert Annotation.objects.filter(project=project).count() == 3
    assert AuditEvent.objects.filter(action="annotation.create").count() == 3
    stored = Annotation.objects.first()
    assert (stored.x, stored.y, stored.w, stored.h, stored.area) == (1, 2, 30, 40, 1200)


@pytest.mark.parametrize(
    ("geometry", "field"),
    [
        ({"x": 1, "y": 2, "w": 0, "h": 40}, "annotations[1].geometry.w"),
        ({"x": 1, "y": 2, "w": -5, "h": 40}, "annotations[1].geometry.w"),
        ({"x": 630, "y": 2, "w": 30, "h": 40}, "annotations[1].geometry.w"),
        ({"x": 1, "y": 470, "w": 30, "h": 40}, "annotations[1].geometry.h"),
        ({"x": -3, "y": 2, "w": 30, "h": 40}, "annotations[1].geometry.x"),
        ({"x": 1, "y": 2, "w": 30}, "annotations[1].geometry.h"),
        ({"x": "a", "y": 2, "w": 30, "h": 4}, "annotations[1].geometry.x"),
    ],
)
def test_a_bad_box_rejects_the_whole_request(project, item, lead_client, geometry, field):
    cls = project.classes.first()
    records = [box(item, cls, x=1, y=2, w=30, h=40), box(item, cls, **geometry)]
    response = lead_client.post(url(project), {"annotations": records}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Annotation.objects.count() == 0
    assert AuditEvent.objects.filter(action="annotation.create").count() == 0


def test_non_finite_numbers_are_rejected(project, item, lead_client):
    cls = project.classes.first()
    body = (
        f'{{"annotations": [{{"item": {item.pk}, "label_class": {cls.pk}, "geometry_type": "box",'
        ' "source": "gold", "geometry": {"x": NaN, "y": 1, "w": 2, "h": 2}}]}'
    )
    response = lead_client.post(url(project), body, content_type="application/json")
    assert response.status_code == 400
    assert Annotation.objects.count() == 0


@pytest.mark.parametrize(
    ("geometry_type", "geometry", "field"),
    [
        ("polygon", {"points": [1, 1, 5, 5]}, "annotations[0].geometry.points"),
        ("polygon", {"points": [1, 1, 5, 5, 9, 9]}, "annotations[0].geometry.points"),
        ("polygon", {"points": [1, 1, 5, 5, 900, 9]}, "annotations[0].geometry.points"),
        ("mask", {"rle": {"size": [10, 10], "counts": [100]}}, "annotations[0].geometry.rle.size"),
        (
            "mask",
            {"rle": {"size": [480, 640], "counts": [5]}},
            "annotations[0].geometry.rle.counts",
        ),
        ("mask", {"rle": "zzz"}, "annotations[0].geometry.rle"),
    ],
)
def test_bad_polygons_and_masks_are_rejected(
    project, item, lead_client, geometry_type, geometry, field
):
    record = {
        "item": item.pk,
        "label_class": project.classes.first().pk,
        "geometry_type": geometry_type,
        "geometry": geometry,
        "source": "gold",
    }
    response = lead_client.post(url(project), {"annotations": [record]}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Annotation.objects.count() == 0


def test_masks_and_polygons_get_their_extent(project, item, lead_client):
    cls = project.classes.first()
    counts = [0] * 0
    # A 480x640 mask whose column-major runs set rows 10..19 of columns 100..109.
    runs, position = [], 0
    for column in range(100, 110):
        start = column * 480 + 10
        runs += [start - position, 10]
        position = start + 10
    runs.append(480 * 640 - position)
    counts = runs
    records = [
        {
            "item": item.pk,
            "label_class": cls.pk,
            "geometry_type": "mask",
            "source": "gold",
            "geometry": {"rle": {"size": [480, 640], "counts": counts}},
        },
        {
            "item": item.pk,
            "label_class": cls.pk,
            "geometry_type": "polygon",
            "source": "gold",
            "geometry": {"points": [10, 10, 50, 10, 50, 30, 10, 30]},
        },
    ]
    response = lead_client.post(url(project), {"annotations": records}, format="json")
    assert response.status_code == 201, response.content
    mask, polygon = Annotation.objects.order_by("id")
    assert (mask.x, mask.y, mask.w, mask.h, mask.area) == (100, 10, 10, 10, 100)
    assert isinstance(mask.geometry["rle"]["counts"], str)
    assert (polygon.x, polygon.y, polygon.w, polygon.h, polygon.area) == (10, 10, 40, 20, 800)


def test_class_and_item_from_another_project_are_rejected(project, item, lead_client, db):
    from apps.projects.models import LabelClass, Project

    other = Project.objects.create(name="Other")
    foreign_class = LabelClass.objects.create(project=other, name="car")
    response = lead_client.post(
        url(project), {"annotations": [box(item, foreign_class, x=1, y=1, w=2, h=2)]}, format="json"
    )
    assert response.status_code == 400
    assert "annotations[0].label_class" in response.json()


def test_annotator_cannot_submit_gold(project, item, make_member, client_for):
    # Annotators have no bulk write at all (they submit through the queue): refused outright.
    annotator = make_member(project)
    client = client_for(annotator.user)
    response = client.post(
        url(project),
        {"annotations": [box(item, project.classes.first(), x=1, y=1, w=2, h=2)]},
        format="json",
    )
    assert response.status_code == 403
    assert Annotation.objects.count() == 0


def test_reviewer_cannot_submit_gold(project, item, make_member, client_for):
    from apps.common.roles import Role

    reviewer = make_member(project, Role.REVIEWER)
    client = client_for(reviewer.user)
    response = client.post(
        url(project),
        {"annotations": [box(item, project.classes.first(), x=1, y=1, w=2, h=2)]},
        format="json",
    )
    assert response.status_code == 400
    assert "annotations[0].source" in response.json()
