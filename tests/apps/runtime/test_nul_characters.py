"""NUL characters (which PostgreSQL cannot store) are a 400 naming where they were, on SQLite and
PostgreSQL alike, and nothing is written."""

from __future__ import annotations

import json

import pytest

from apps.annotations.models import Annotation
from apps.common.roles import Role

pytestmark = pytest.mark.django_db


def box(project, item, **extra) -> dict:
    return {
        "item": item.pk,
        "label_class": project.classes.first().pk,
        "geometry_type": "box",
        "source": "gold",
        "geometry": {"x": 1, "y": 1, "w": 5, "h": 5},
        **extra,
    }


def post_json(client, url: str, body: object):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_nul_inside_free_form_attributes_is_refused(project, item, lead_client):
    url = f"/api/projects/{project.pk}/annotations/"
    records = [box(project, item), box(project, item, attributes={"note": "a\u0000b"})]
    response = post_json(lead_client, url, {"annotations": records})
    assert response.status_code == 400, response.content
    assert response.json() == {
        "annotations[1].attributes.note": ["must not contain NUL (\\u0000) characters"]
    }
    assert Annotation.objects.count() == 0


def test_a_nul_in_a_key_is_refused_and_named_escaped(project, lead_client):
    response = lead_client.patch(
        f"/api/projects/{project.pk}/",
        json.dumps({"settings": {"k\u0000ey": 1}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["settings.k\\u0000ey"]


def test_an_escaped_backslash_before_u0000_is_ordinary_text(project, item, lead_client):
    records = [box(project, item, attributes={"note": "path\\u0000"})]
    response = post_json(
        lead_client, f"/api/projects/{project.pk}/annotations/", {"annotations": records}
    )
    assert response.status_code == 201, response.content
    assert Annotation.objects.get().attributes == {"note": "path\\u0000"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/{p}/reviews/next/?queue=a%00b",
        "/api/projects/{p}/alerts/?kind=a%00b",
    ],
)
def test_a_nul_in_a_query_parameter_is_refused(project, make_member, client_for, path):
    client = client_for(make_member(project, Role.ADMIN).user)
    url = path.format(p=project.pk)
    method = client.post if "next" in url else client.get
    response = method(url)
    assert response.status_code == 400, response.content
    assert set(response.json()) <= {"queue", "kind"} and response.json()
