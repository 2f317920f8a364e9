"""Edits carry the version they were based on; a stale one is a 409 and overwrites nothing."""

from __future__ import annotations

import pytest

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotation(project, item, make_member):
    author = make_member(project)
    return Annotation.objects.create(
        project=project,
        item=item,
        author=author,
        label_class=project.classes.first(),
        geometry_type="box",
        geometry={"x": 1, "y": 1, "w": 10, "h": 10},
        x=1,
        y=1,
        w=10,
        h=10,
        area=100,
        created_at="2026-01-01T00:00Z",
        updated_at="2026-01-01T00:00Z",
    )


def test_edit_bumps_the_version_and_is_audited(annotation, lead_client):
    response = lead_client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 2, "y": 2, "w": 20, "h": 20}, "reason": "tighter"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    event = AuditEvent.objects.get(action="annotation.update")
    assert event.before["geometry"]["w"] == 10 and event.after["geometry"]["w"] == 20
    assert event.reason == "tighter"


def test_stale_version_is_a_conflict_with_the_current_version(annotation, lead_client):
    first = lead_client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 2, "y": 2, "w": 20, "h": 20}},
        format="json",
    )
    assert first.status_code == 200
    stale = lead_client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 3, "y": 3, "w": 5, "h": 5}},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    annotation.refresh_from_db()
    assert annotation.geometry["w"] == 20


def test_invalid_edit_is_a_400_and_changes_nothing(annotation, lead_client):
    response = lead_client.patch(
        f"/api/annotations/{annotation.pk}/",
        {"version": 1, "geometry": {"x": 2, "y": 2, "w": 2000, "h": 20}},
        format="json",
    )
    assert response.status_code == 400
    assert "annotations[0].geometry.w" in response.json()
    annotation.refresh_from_db()
    assert annotation.version == 1


def test_delete_with_stale_version_conflicts_then_succeeds(annotation, lead_client):
    lead_client.patch(
        f"/api/annotations/{annotation.pk}/", {"version": 1, "score": 0.5}, format="json"
    )
    assert lead_client.delete(f"/api/annotations/{annotation.pk}/?version=1").status_code == 409
    assert (
        lead_client.delete(f"/api/annotations/{annotation.pk}/?version=2&reason=dup").status_code
        == 204
    )
    assert not Annotation.objects.filter(pk=annotation.pk).exists()
    assert AuditEvent.objects.get(action="annotation.delete").before["id"] == annotation.pk


def test_annotator_sees_and_edits_only_own_work(annotation, project, make_member, client_for):
    owner = client_for(annotation.author.user)
    stranger = client_for(make_member(project).user)
    assert owner.get(f"/api/annotations/{annotation.pk}/").status_code == 200
    assert stranger.get(f"/api/annotations/{annotation.pk}/").status_code == 404
    listing = stranger.get(f"/api/projects/{project.pk}/annotations/").json()
    assert listing["count"] == 0


@pytest.mark.parametrize("geometry", [True, [1, 2], "box", 3])
def test_an_edit_whose_geometry_is_not_an_object_is_a_400_naming_it(
    annotation, lead_client, geometry
):
    response = lead_client.patch(
        f"/api/annotations/{annotation.pk}/", {"version": 1, "geometry": geometry}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["geometry"] == ["must be an object"]
    annotation.refresh_from_db()
    assert annotation.version == 1


def test_a_form_encoded_geometry_is_refused_too(annotation, lead_client):
    # Found by fuzzing: `geometry=true` in a form body reached the service as a bool (500).
    response = lead_client.patch(
        f"/api/annotations/{annotation.pk}/",
        "version=1&geometry=true",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "geometry" in response.json()
