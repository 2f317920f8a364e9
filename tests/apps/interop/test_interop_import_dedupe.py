"""Importing the same file into a project twice is refused, naming the earlier import."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from apps.annotations.models import Annotation
from apps.jobs.models import Job
from apps.projects.models import Project
from tests.apps.interop.conftest import make_items

pytestmark = pytest.mark.django_db

GOLD = {"format": "coco", "source": "gold", "create_missing_classes": True}


@pytest.fixture
def content(project, sample) -> bytes:
    make_items(project, {"b.jpg": (5, 10)})
    return sample("coco/instances_val.json")


def test_a_second_identical_upload_is_409_naming_the_first(
    project, manager, run_import, content, media_root
):
    _, first = run_import(manager, project, content, "val.json", **GOLD)
    first.refresh_from_db()
    assert first.status == "succeeded", first.errors
    assert len(first.params["sha256"]) == 64
    jobs = Job.objects.count()
    response, job = run_import(manager, project, content, "renamed.json", **GOLD)
    assert response.status_code == 409 and job is None
    body = response.json()
    assert (body["earlier_import"], body["earlier_status"]) == (first.pk, "succeeded")
    assert f"import job {first.pk}" in body["detail"] and "allow_duplicate" in body["detail"]
    assert Job.objects.count() == jobs and Annotation.objects.count() == 2
    # Asked for explicitly, the duplicate is imported.
    response, forced = run_import(
        manager, project, content, "val.json", allow_duplicate=True, **GOLD
    )
    assert response.status_code == 202
    forced.refresh_from_db()
    assert forced.status == "succeeded", forced.errors
    assert Annotation.objects.count() == 4
    # Another file is not a duplicate.
    other = content.replace(b'"hello"', b'"bye"')
    assert run_import(manager, project, other, "val.json", **GOLD)[0].status_code == 202


def test_a_failed_import_does_not_count(project, manager, run_import, content, media_root):
    _, failed = run_import(manager, project, content, "val.json", format="coco", source="gold")
    failed.refresh_from_db()
    assert failed.status == "failed"  # unknown classes 'a' and 'b'
    _, retried = run_import(manager, project, content, "val.json", **GOLD)
    retried.refresh_from_db()
    assert retried.status == "succeeded", retried.errors


def test_a_queued_identical_import_counts(project, manager, content, media_root):
    url = f"/api/projects/{project.pk}/imports/"

    def post():  # without running the on-commit hook: the job stays pending
        upload = SimpleUploadedFile("val.json", content)
        return manager.post(url, {"file": upload, **GOLD}, format="multipart")

    queued = post()
    assert queued.status_code == 202
    again = post()
    assert again.status_code == 409
    assert (again.json()["earlier_import"], again.json()["earlier_status"]) == (
        queued.json()["id"],
        "pending",
    )


def test_the_command_fails_a_repeated_import_and_writes_nothing(project, content, tmp_path):
    path = tmp_path / "val.json"
    path.write_bytes(content)
    args = [str(path), "--project", str(project.pk), "--format", "coco", "--source", "gold"]
    args += ["--create-missing-classes", "--no-progress"]
    call_command("import_annotations", *args, stdout=io.StringIO(), stderr=io.StringIO())
    first = Job.objects.get(kind="interop.import")
    with pytest.raises(CommandError) as failure:
        call_command("import_annotations", *args, stdout=io.StringIO(), stderr=io.StringIO())
    message = str(failure.value)
    assert "val.json: <document>: file: this file (same SHA-256) was already imported" in message
    assert f"import job {first.pk} (succeeded)" in message
    assert Annotation.objects.count() == 2
    call_command(
        "import_annotations",
        *args,
        "--allow-duplicate",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert Annotation.objects.count() == 4
    copy = Project.objects.create(name="Copy")
    make_items(copy, {"b.jpg": (5, 10)})
    args[2] = str(copy.pk)
    call_command("import_annotations", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert Annotation.objects.filter(project=copy).count() == 2
