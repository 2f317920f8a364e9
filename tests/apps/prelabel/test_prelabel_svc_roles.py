"""Who may start pre-labeling, read its per-item outcome, and see which backend runs."""

from __future__ import annotations

import pytest

from apps.common.roles import Role
from apps.jobs.models import Job

pytestmark = pytest.mark.django_db


def test_prelabel_job_roles(project, coins, make_member, client_for,
                            django_capture_on_commit_callbacks):  # fmt: skip
    url = f"/api/projects/{project.pk}/prelabel-jobs/"
    body = {"selection": "all", "prompt_source": "human"}
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE):
        client = client_for(make_member(project, role).user)
        assert client.post(url, body, format="json").status_code == 403, role
        assert client.get(url).status_code == 403, role
    assert not Job.objects.exists()
    for role in (Role.PROJECT_LEAD, Role.QA_MANAGER, Role.ADMIN):
        client = client_for(make_member(project, role).user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, body, format="json")
        assert response.status_code == 202, (role, response.content)
        job_id = response.json()["id"]
        assert client.get(f"/api/prelabel-jobs/{job_id}/items/").status_code == 200
        assert job_id in [j["id"] for j in client.get(url).json()["results"]]
    reviewer = client_for(make_member(project, Role.REVIEWER).user)
    assert reviewer.get(f"/api/prelabel-jobs/{job_id}/items/").status_code == 403
    other = Job.objects.create(project=project, kind="annotations.import")
    lead = client_for(make_member(project, Role.PROJECT_LEAD).user)
    assert lead.get(f"/api/prelabel-jobs/{other.pk}/items/").status_code == 404


def test_backend_endpoint_says_which_backend_runs(project, make_member, client_for, settings):
    annotator = client_for(make_member(project, Role.ANNOTATOR).user)
    url = f"/api/projects/{project.pk}/prelabel/backend/"
    body = annotator.get(url).json()
    assert body["backend"] == "grabcut" and body["video"] is False and body["model"] is None
    assert "GrabCut" in body["note"]
    settings.LABELQC_SAM2_CHECKPOINT = "/models/sam2.1_hiera_small.pt"
    settings.LABELQC_SAM2_MODEL = "s"
    body = annotator.get(url).json()
    assert body == {
        "backend": "sam2",
        "model": "configs/sam2.1/sam2.1_hiera_s.yaml",
        "video": True,
        "automatic_masks": True,
        "note": "SAM 2.1 hiera-s from the configured checkpoint",
    }
    assert "/models" not in str(body)  # the checkpoint path is not shown
    finance = client_for(make_member(project, Role.FINANCE).user)
    assert finance.get(url).status_code == 403


def test_storage_that_never_recovers_fails_the_job(
    project, coins, lead_client, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.prelabel import images

    def broken(item):
        raise images.StorageError("bucket unreachable")

    monkeypatch.setattr(images, "read_item_bytes", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = lead_client.post(
            f"/api/projects/{project.pk}/prelabel-jobs/",
            {"selection": "all", "prompt_source": "human"},
            format="json",
        ).json()["id"]
    job = Job.objects.get(pk=job_id)
    assert job.status == "failed" and job.attempts == 4  # the first try and 3 retries
    assert "bucket unreachable" in job.errors[0]["messages"][0]
