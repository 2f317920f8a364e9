"""A job cancelled while it computes writes nothing; a job whose run crashes ends failed."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.analytics import consensus as consensus_module
from apps.analytics.tasks import consensus as consensus_task
from apps.annotations import services as annotation_services
from apps.annotations.models import Annotation
from apps.jobs import services as job_services
from apps.jobs.models import Job
from tests.apps.shapes import add_box

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_consensus(project, item):
    return add_box(item, project.classes.first(), (1, 1, 5, 5), source="consensus")


def consensus_job(project) -> Job:
    return Job.objects.create(project=project, kind="consensus", params={"weighting": "none"})


def test_a_consensus_cancelled_while_computing_keeps_the_old_one(
    project, old_consensus, monkeypatch
):
    job = consensus_job(project)
    real = consensus_module.compute_consensus

    def cancelled_meanwhile(**kwargs):
        job_services.job_cancel(job.pk)
        return real(**kwargs)

    monkeypatch.setattr(consensus_module, "compute_consensus", cancelled_meanwhile)
    consensus_task(job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and job.result is None
    assert Annotation.objects.filter(pk=old_consensus.pk).exists()


def test_a_crashing_consensus_run_fails_its_job(project, old_consensus, monkeypatch):
    job = consensus_job(project)

    def crash(**kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(consensus_module, "compute_consensus", crash)
    consensus_task(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "ValueError('a bug')" in job.errors[0]["messages"][0]
    assert Annotation.objects.filter(pk=old_consensus.pk).exists()


def import_job(project, item) -> Job:
    record = {
        "item": item.pk,
        "label_class": project.classes.first().pk,
        "geometry_type": "box",
        "geometry": {"x": 1, "y": 1, "w": 5, "h": 5},
        "source": "gold",
        "created_at": timezone.now().isoformat(),
    }
    return Job.objects.create(
        project=project, kind="annotation_import", params={}, payload=[record]
    )


def test_an_import_cancelled_after_its_claim_writes_nothing(project, item, monkeypatch):
    job = import_job(project, item)
    real_claim = job_services.job_claim

    def claim_then_cancelled(job_id):
        claimed = real_claim(job_id)
        job_services.job_cancel(job_id)
        return claimed

    monkeypatch.setattr(job_services, "job_claim", claim_then_cancelled)
    annotation_services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and not Annotation.objects.exists()


def test_a_crashing_import_run_fails_its_job(project, item, monkeypatch):
    job = import_job(project, item)

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(annotation_services, "annotations_bulk_create", crash)
    annotation_services.import_job_run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "disk on fire" in job.errors[0]["messages"][0]
