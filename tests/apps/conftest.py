from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from rest_framework.test import APIClient

from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator, Cohort, LabelClass, Project


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def project(db) -> Project:
    project = Project.objects.create(name="Street scenes")
    LabelClass.objects.create(project=project, name="car")
    LabelClass.objects.create(project=project, name="person", iou_threshold=0.6)
    Cohort.objects.create(project=project, name="Vendor A", kind="managed", vendor="Acme")
    return project


@pytest.fixture
def make_member(db) -> Callable[..., Annotator]:
    def make(
        project: Project, role: str = Role.ANNOTATOR, username: str | None = None
    ) -> Annotator:
        username = username or f"{role}-{project.pk}-{Annotator.objects.count()}"
        user = get_user_model().objects.create_user(username=username, password="pw-123456")
        return Annotator.objects.create(
            project=project,
            user=user,
            role=role,
            cohort=project.cohorts.first(),
            pseudonym=username[:8],
        )

    return make


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def lead_client(project, make_member, client_for) -> APIClient:
    return client_for(make_member(project, Role.PROJECT_LEAD, "lead").user)


@pytest.fixture
def item(project) -> Item:
    return Item.objects.create(
        project=project, width=640, height=480, file_name="a.jpg", sha256="0" * 64
    )


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (height, width, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()
