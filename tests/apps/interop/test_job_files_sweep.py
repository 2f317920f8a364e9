"""The beat sweep deletes import/export folders of cancelled, long-finished or deleted jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.common.roles import Role
from apps.interop.conf import job_dir
from apps.interop.tasks import sweep_job_files
from apps.jobs.models import Job
from configs.celery import app, route_task

pytestmark = pytest.mark.django_db


def job_with_files(project, status: str, finished_days_ago: float | None) -> Job:
    finished = (
        None if finished_days_ago is None else timezone.now() - timedelta(days=finished_days_ago)
    )
    job = Job.objects.create(
        project=project, kind="interop.export", status=status, finished_at=finished
    )
    folder = job_dir(job.pk)
    folder.mkdir(parents=True)
    (folder / "out.zip").write_bytes(b"x" * 10)
    return job


def test_the_sweep_keeps_what_may_still_be_needed(project, media_root, settings):
    settings.LABELQC_JOB_FILE_RETENTION_DAYS = 7
    running = job_with_files(project, "running", None)
    recent = job_with_files(project, "succeeded", 2)
    old = job_with_files(project, "succeeded", 8)
    failed_old = job_with_files(project, "failed", 30)
    cancelled = job_with_files(project, "cancelled", 0)
    orphan = job_with_files(project, "succeeded", 1)
    Job.objects.filter(pk=orphan.pk).delete()  # its project was deleted, say

    swept = sweep_job_files()

    assert swept == sorted([old.pk, failed_old.pk, cancelled.pk, orphan.pk])
    assert job_dir(running.pk).is_dir() and job_dir(recent.pk).is_dir()
    assert not job_dir(old.pk).exists() and not job_dir(cancelled.pk).exists()
    assert sweep_job_files() == []  # nothing twice


def test_a_swept_export_download_is_a_404(project, media_root, make_member, client_for):
    job = job_with_files(project, "succeeded", 30)
    Job.objects.filter(pk=job.pk).update(
        params={}, result={"file": f"jobs/{job.pk}/out.zip", "name": "out.zip"}
    )
    qa = client_for(make_member(project, Role.QA_MANAGER).user)
    assert qa.get(f"/api/jobs/{job.pk}/download/").status_code == 200
    sweep_job_files()
    assert qa.get(f"/api/jobs/{job.pk}/download/").status_code == 404


def test_beat_runs_the_sweep_on_the_default_queue():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "labelqc.interop.sweep_job_files" in tasks
    assert "labelqc.interop.sweep_job_files" in app.tasks
    assert route_task("labelqc.interop.sweep_job_files", (), {}, {}) == {"queue": "default"}
