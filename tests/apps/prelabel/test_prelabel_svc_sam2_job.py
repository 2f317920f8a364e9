"""Pre-labeling jobs with SAM 2: uncertainty stored for the escalation rules, checkpoint errors.

SAM 2 here is the injected random-weight tiny model (tests only); nothing judges its masks.
"""

from __future__ import annotations

import pytest
from skimage import data

from apps.annotations.models import Annotation
from apps.annotations.services import annotations_bulk_create
from apps.common.roles import Role
from apps.jobs.models import Job
from apps.prelabel.models import PrelabelItem
from apps.workflow.services.escalation import item_facts
from tests.apps.prelabel.conftest import upload_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo_item(project, media_root, make_member):
    """scikit-image's coffee photo at 1/8 size (50 x 75) with two human boxes."""
    item = upload_item(project, data.coffee()[::8, ::8].copy(), "coffee.png")
    member = make_member(project, Role.ANNOTATOR)
    car = project.classes.get(name="car")
    records = [
        {
            "item": item.pk, "label_class": car.pk, "geometry_type": "box", "source": "human",
            "author": member.pk, "geometry": geometry,
        }
        for geometry in ({"x": 5, "y": 5, "w": 30, "h": 25}, {"x": 40, "y": 10, "w": 30, "h": 35})
    ]  # fmt: skip
    annotations_bulk_create(
        actor=None, project_id=project.pk, records=records, role=Role.ADMIN, member=None
    )
    return item


def run(client, project, body, capture):
    with capture(execute=True):
        response = client.post(f"/api/projects/{project.pk}/prelabel-jobs/", body, format="json")
    assert response.status_code == 202, response.content
    return Job.objects.get(pk=response.json()["id"])


def test_sam2_job_stores_uncertainty_for_escalation(
    project, photo_item, lead_client, random_sam2, django_capture_on_commit_callbacks
):
    body = {"selection": "ids", "item_ids": [photo_item.pk], "prompt_source": "human"}
    job = run(lead_client, project, body, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    assert job.backend == "sam2" and "@random-" in job.result["model_id"]
    row = PrelabelItem.objects.get(job=job)
    assert row.status == "done" and row.n_prompts == 2 and row.backend == "sam2"
    masks = list(Annotation.objects.filter(item=photo_item, source="prelabel"))
    assert len(masks) == row.n_masks and row.n_masks >= 1  # an empty mask is not stored
    values = [m.attributes["uncertainty"] for m in masks]
    assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in values)
    for mask in masks:
        components = mask.attributes["uncertainty_components"]
        assert components["object_score_entropy"] is None  # images have no object score
        assert mask.score == pytest.approx(1.0 - mask.attributes["uncertainty"])
        assert mask.model_id == job.result["model_id"]
    # per item: max and mean of the defined uncertainties (over every prompt's result)
    assert row.uncertainty_max >= max(values) and row.uncertainty_mean <= row.uncertainty_max
    facts = item_facts([photo_item.pk]).set_index("item_id")
    assert facts.loc[photo_item.pk, "prelabel_uncertainty"] == pytest.approx(max(values))
    assert job.result["uncertainty"]["items_scored"] == 1


def test_automatic_masks_for_items_without_boxes(
    project, media_root, lead_client, random_sam2, django_capture_on_commit_callbacks
):
    item = upload_item(project, data.coffee()[::8, ::8].copy(), "no-boxes.png")
    car = project.classes.get(name="car")
    url = f"/api/projects/{project.pk}/prelabel-jobs/"
    assert "label_class" in lead_client.post(url, {"prompt_source": "none"}, format="json").json()
    body = {"prompt_source": "none", "label_class": car.pk}
    job = run(lead_client, project, body, django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and job.params["automatic"] is True
    row = PrelabelItem.objects.get(job=job, item=item)
    # random weights pass no quality threshold: the generator ran and found nothing
    assert row.status == "done" and row.n_prompts == 0 and row.n_masks == 0


@pytest.mark.parametrize("content", [None, b"not a torch file"])
def test_unusable_checkpoint_fails_the_job_naming_path_and_config(
    project, photo_item, lead_client, settings, tmp_path, content,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    checkpoint = tmp_path / "sam2.1_hiera_tiny.pt"
    if content is not None:
        checkpoint.write_bytes(content)
    settings.LABELQC_SAM2_CHECKPOINT = str(checkpoint)
    settings.LABELQC_DEVICE = "cpu"
    job = run(
        lead_client,
        project,
        {"selection": "all", "prompt_source": "human"},
        django_capture_on_commit_callbacks,
    )
    assert job.status == "failed" and job.backend == "sam2"
    (error,) = job.errors
    assert error["field"] == "LABELQC_SAM2_CHECKPOINT"
    message = error["messages"][0]
    assert str(checkpoint) in message and "configs/sam2.1/sam2.1_hiera_t.yaml" in message
    assert ("file not found" if content is None else "cannot be read") in message
    assert not Annotation.objects.filter(source="prelabel").exists()
    assert list(PrelabelItem.objects.filter(job=job).values_list("status", flat=True)) == [
        "pending"
    ]


def test_mismatched_checkpoint_is_named(project, photo_item, lead_client, settings, tmp_path,
                                        django_capture_on_commit_callbacks):  # fmt: skip
    torch = pytest.importorskip("torch")
    checkpoint = tmp_path / "other-model.pt"
    torch.save({"model": {"not.a.sam2.weight": torch.zeros(2)}}, checkpoint)
    settings.LABELQC_SAM2_CHECKPOINT = str(checkpoint)
    settings.LABELQC_DEVICE = "cpu"
    job = run(
        lead_client,
        project,
        {"selection": "all", "prompt_source": "human"},
        django_capture_on_commit_callbacks,
    )
    assert job.status == "failed"
    message = job.errors[0]["messages"][0]
    assert str(checkpoint) in message and "does not match the config" in message


def test_random_weights_never_become_prelabels(
    project, photo_item, lead_client, random_sam2, settings, django_capture_on_commit_callbacks
):
    settings.LABELQC_PRELABEL_ALLOW_RANDOM_WEIGHTS = False
    job = run(
        lead_client,
        project,
        {"selection": "all", "prompt_source": "human"},
        django_capture_on_commit_callbacks,
    )
    assert job.status == "failed" and "random weights" in job.errors[0]["messages"][0]
    assert not Annotation.objects.filter(source="prelabel").exists()
