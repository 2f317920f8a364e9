from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from celery.contrib.testing.worker import start_worker
from django.contrib.auth import get_user_model
from PIL import Image
from rest_framework.test import APIClient

from apps.common.roles import Role
from apps.items.models import Item
from apps.projects.models import Annotator, Cohort, LabelClass, Project
from configs.celery import app as celery_app
from tests.conftest import REDIS_URL


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


@pytest.fixture
def redis_celery():
    """A real Celery worker (threads, solo pool) consuming both queues from a real Redis broker."""
    saved = {
        key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")
    }
    celery_app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    reset_connections(celery_app)
    try:
        with start_worker(
            celery_app,
            pool="solo",
            perform_ping_check=False,
            queues=["default", "gpu"],
            shutdown_timeout=30,
        ):
            yield celery_app
    finally:
        celery_app.conf.update(saved)
        reset_connections(celery_app)


def reset_connections(app) -> None:
    """Drop the app's cached broker pool and result backend, built from whatever conf came first."""
    app._after_fork()
    app._backend_cache = None
    if getattr(app._local, "backend", None) is not None:
        del app._local.backend
