"""Fixtures for the intake service tests: members by role, a screened delivery of photographs."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from apps.common.roles import Role
from apps.items.models import Item
from tests.apps.conftest import png_bytes
from tests.apps.intake.intake_helpers import delivery_files, uploads

# Corrupt bytes written over a stored file: a PNG signature followed by garbage.
CORRUPT = b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40


@pytest.fixture(autouse=True)
def isolated_media(media_root):
    return media_root


@pytest.fixture(scope="session")
def files() -> dict[str, bytes]:
    return delivery_files()


@pytest.fixture
def team(project, make_member, client_for):
    members = {role: make_member(project, role) for role in Role.values}
    clients = {role: client_for(member.user) for role, member in members.items()}
    return SimpleNamespace(members=members, clients=clients)


@pytest.fixture
def manager(team):
    return team.clients[Role.QA_MANAGER]


@pytest.fixture
def make_batch(manager, project):
    def make(name: str = "Delivery 1", **extra) -> dict:
        response = manager.post(
            f"/api/projects/{project.pk}/batches/", {"name": name, **extra}, format="json"
        )
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def run_screen(manager, django_capture_on_commit_callbacks):
    """POST .../screen/ and run the queued task in-process (eager Celery) after commit."""

    def run(batch_id: int, client=None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = (client or manager).post(f"/api/batches/{batch_id}/screen/")
        assert response.status_code == 202, response.content
        return response.json()

    return run


@pytest.fixture
def delivery(project, manager, make_batch, files):
    """A batch of the photographs uploaded through the API, plus two unreadable items: one whose
    stored file was corrupted after upload and one registered by URI without a file."""
    batch = make_batch()
    response = manager.post(
        f"/api/batches/{batch['id']}/items/", {"files": uploads(files)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    by_name = {row["file_name"]: row["item"] for row in response.json()}
    broken = manager.post(
        f"/api/batches/{batch['id']}/items/",
        {"files": uploads({"broken.png": png_bytes(80, 60)})},
        format="multipart",
    ).json()[0]["item"]
    stored = Item.objects.get(pk=broken).file
    with stored.open("wb") as handle:
        handle.write(CORRUPT)
    by_name["broken.png"] = broken
    remote = Item.objects.create(
        project=project, uri="s3://bucket/remote.jpg", file_name="remote.jpg", width=640, height=480
    )
    response = manager.post(
        f"/api/batches/{batch['id']}/items/", {"item_ids": [remote.pk]}, format="json"
    )
    assert response.status_code == 201, response.content
    by_name["remote.jpg"] = remote.pk
    return SimpleNamespace(batch=batch, items=by_name)
