from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.demo.services import seed_demo
from apps.projects.models import Project
from apps.workflow.models import Assignment, CorrectionEffort, Review
from tests.apps.dashboards.workdemo import backfill_workflow

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def purge_project(project_id: int) -> None:
    """Delete a seeded project and its users (annotations and workflow rows protect members)."""
    users = list(
        get_user_model()
        .objects.filter(memberships__project_id=project_id)
        .values_list("pk", flat=True)
    )
    AuditEvent.objects.filter(project_id=project_id).delete()  # kept on delete (SET_NULL)
    CorrectionEffort.objects.filter(project_id=project_id).delete()
    Review.objects.filter(project_id=project_id).delete()
    Assignment.objects.filter(project_id=project_id).delete()
    Annotation.objects.filter(project_id=project_id).delete()
    Project.objects.filter(pk=project_id).delete()
    get_user_model().objects.filter(pk__in=users).delete()
    get_user_model().objects.filter(username="admin").delete()


@pytest.fixture(scope="module")
def worked_demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo project with workflow rows, seeded once per module and removed after."""
    media = tmp_path_factory.mktemp("dash-media")
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=media),
    ):
        project = seed_demo(n_items=12)
        try:
            backfill_workflow(project)
            yield project
        finally:
            purge_project(project.pk)


@pytest.fixture
def login():
    """A test client signed in as the named user."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return make
