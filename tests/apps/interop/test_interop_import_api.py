"""Importing the real sample files of each format through the API (eager jobs)."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.projects.models import Annotator, LabelClass
from tests.apps.interop.conftest import SAMPLES, make_items, zip_folder

pytestmark = pytest.mark.django_db


def classes_of(project) -> set[str]:
    return set(LabelClass.objects.filter(project=project).values_list("name", flat=True))


def test_coco_as_gold_keeps_polygon_and_mask(project, manager, run_import, sample):
    make_items(project, {"b.jpg": (5, 10)})
    response, job = run_import(
        manager,
        project,
        sample("coco/instances_val.json"),
        "instances_val.json",
        format="coco",
        source="gold",
        create_missing_classes=True,
    )
    assert response.status_code == 202
    polled = manager.get(f"/api/jobs/{job.pk}/").json()
    assert polled["status"] == "succeeded", polled["errors"]
    assert polled["kind"] == "interop.import"
    assert polled["result"]["created"] == 2
    assert polled["progress_done"] == polled["progress_total"] == 2
    # Only the categories used are created: 'c' is declared but unused.
    assert classes_of(project) == {"car", "person", "a", "b"}
    assert polled["result"]["classes_created"] == ["a", "b"]
    polygon, mask = Annotation.objects.filter(project=project).order_by("id")
    assert (polygon.source, polygon.author, polygon.geometry_type) == ("gold", None, "polygon")
    assert polygon.geometry["points"] == [0.0, 0.0, 1.0, 0.0, 1.0, 2.0, 0.0, 2.0]
    assert polygon.attributes == {"x": 1, "y": "hello"}
    assert mask.geometry_type == "mask" and mask.area == 20.0
    assert mask.geometry["rle"]["size"] == [10, 5]
    # The upload is kept with the job, under MEDIA_ROOT/jobs/<id>/.
    assert job.params["path"] == f"jobs/{job.pk}/instances_val.json"


def test_yolo_zip_credits_the_named_annotator_and_clips(
    project, manager, make_member, run_import, sample
):
    alice = make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    _, job = run_import(
        manager,
        project,
        zip_folder(SAMPLES / "yolo_darknet"),
        "yolo.zip",
        format="yolo",
        annotator="alice",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result["classes_created"] == ["label_2", "label_4"]
    # The first box starts 7.5e-6 px left of the image (6-decimal YOLO text): clipped to 0.
    assert job.result["clipped_to_image"] == 1
    boxes = list(Annotation.objects.filter(project=project).order_by("id"))
    assert [b.author_id for b in boxes] == [alice.pk, alice.pk]
    assert boxes[0].geometry == pytest.approx({"x": 0.0, "y": 2.0, "w": 4.0, "h": 2.0}, abs=1e-4)
    assert boxes[1].geometry == pytest.approx({"x": 3.0, "y": 3.0, "w": 2.0, "h": 3.0}, abs=1e-4)


def test_yolo_images_match_items_by_sha256(project, manager, make_member, run_import):
    make_member(project, Role.ANNOTATOR, "alice")
    digest = hashlib.sha256((SAMPLES / "yolo_darknet/obj_train_data/1.jpg").read_bytes())
    make_items(project, {"renamed.jpg": (15, 10)}, sha256=digest.hexdigest())
    _, job = run_import(
        manager,
        project,
        zip_folder(SAMPLES / "yolo_darknet"),
        "yolo.zip",
        format="yolo",
        annotator="alice",
        match_images_by="sha256",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert set(Annotation.objects.values_list("item__file_name", flat=True)) == {"renamed.jpg"}


def test_voc_folder_zip_and_single_xml(project, manager, run_import, sample):
    make_items(project, {"2007_000001.jpg": (20, 10)})
    _, job = run_import(
        manager,
        project,
        zip_folder(SAMPLES / "voc"),
        "voc.zip",
        format="voc",
        source="gold",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    # 'person' exists in the project already; only 'cat' is new.
    assert job.result["classes_created"] == ["cat"]
    cat, person = Annotation.objects.order_by("id")
    assert cat.geometry == {"x": 0.0, "y": 1.0, "w": 3.0, "h": 3.0}
    assert cat.attributes["truncated"] is True
    assert person.label_class == LabelClass.objects.get(project=project, name="person")
    _, single = run_import(
        manager,
        project,
        sample("voc/Annotations/2007_000001.xml"),
        "2007_000001.xml",
        format="voc",
        source="gold",
    )
    single.refresh_from_db()
    assert single.status == "succeeded", single.errors
    assert Annotation.objects.count() == 4


def test_cvat_project_export_by_basename(project, manager, make_member, run_import, sample):
    alice = make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"img0.jpg": (8, 8), "img1.jpg": (10, 10)})
    _, job = run_import(
        manager,
        project,
        sample("cvat/export_project_annotations.xml"),
        "annotations.xml",
        format="cvat",
        match_images_by="basename",
        annotator="alice",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    # Three subsets (Test/Train/Validation) each hold a box on img0 and a polygon on img1.
    rows = list(Annotation.objects.values_list("item__file_name", "geometry_type", "author_id"))
    assert sorted(rows) == sorted(
        [("img0.jpg", "box", alice.pk)] * 3 + [("img1.jpg", "polygon", alice.pk)] * 3
    )
    assert job.result["classes_created"] == ["label1"]
    assert any("polyline" in note for note in job.result["notes"])
    box = Annotation.objects.filter(geometry_type="box").first()
    assert box.attributes["occluded"] is True and box.attributes["a2"] == "v3"


def test_label_studio_creates_missing_annotators_for_a_lead(
    project, lead_client, run_import, sample
):
    make_items(project, {"image1": (2800, 2800), "image2": (2800, 2800)})
    _, job = run_import(
        lead_client,
        project,
        sample("label_studio/data.json"),
        "data.json",
        format="label_studio",
        create_missing_annotators=True,
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result["annotators_created"] == ["2", "1"]
    users = get_user_model().objects.filter(username__in=["1", "2"])
    assert all(not u.has_usable_password() for u in users)
    members = Annotator.objects.filter(project=project, user__in=users)
    assert {m.role for m in members} == {Role.ANNOTATOR}
    by_author = {m.user.username: Annotation.objects.filter(author=m).count() for m in members}
    assert by_author == {"1": 4, "2": 2}
    assert classes_of(project) >= {"parasites", "white"}


def test_unknown_annotators_are_listed_without_the_option(project, manager, run_import, sample):
    make_items(project, {"image1": (2800, 2800), "image2": (2800, 2800)})
    _, job = run_import(
        manager,
        project,
        sample("label_studio/data.json"),
        "data.json",
        format="label_studio",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "failed"
    named = {(e["record"], e["field"]) for e in job.errors}
    assert named == {("annotator '2'", "annotator"), ("annotator '1'", "annotator")}
    assert all(e["file"] == "data.json" for e in job.errors)
    assert not Annotation.objects.exists()
    assert not LabelClass.objects.filter(name__in=["parasites", "white"]).exists()
    assert not get_user_model().objects.filter(username__in=["1", "2"]).exists()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE])
def test_other_roles_may_not_import(project, make_member, client_for, role, sample, media_root):
    client = client_for(make_member(project, role).user)
    response = client.post(
        f"/api/projects/{project.pk}/imports/",
        {"file": _upload(sample), "format": "coco"},
        format="multipart",
    )
    assert response.status_code == 403


def test_qa_manager_may_not_add_members(project, manager, sample, media_root):
    response = manager.post(
        f"/api/projects/{project.pk}/imports/",
        {"file": _upload(sample), "format": "coco", "create_missing_annotators": True},
        format="multipart",
    )
    assert response.status_code == 403
    assert "create_missing_annotators" in response.json()["detail"]


def test_size_cap_and_bad_options_are_400_naming_the_field(
    project, manager, sample, settings, media_root
):
    settings.LABELQC_MAX_IMPORT_BYTES = 100
    url = f"/api/projects/{project.pk}/imports/"
    response = manager.post(url, {"file": _upload(sample), "format": "coco"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json() and "cap" in response.json()["file"][0]
    settings.LABELQC_MAX_IMPORT_BYTES = 10**6
    bad = manager.post(
        url,
        {"file": _upload(sample), "format": "kitti", "match_images_by": "md5"},
        format="multipart",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"format", "match_images_by"}
    assert manager.post(url, {"format": "coco"}, format="multipart").json().keys() == {"file"}


def _upload(sample):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("train.json", sample("coco/instances_train.json"))


def test_an_annotator_name_with_control_characters_is_refused(
    project, lead_client, run_import, sample
):
    make_items(project, {"image1": (2800, 2800), "image2": (2800, 2800)})
    tasks = json.loads(sample("label_studio/data.json"))
    for task in tasks:
        for annotation in task["annotations"]:
            annotation["completed_by"] = {"email": '\t=HYPERLINK("http://x")'}
    _, job = run_import(
        lead_client,
        project,
        json.dumps(tasks).encode(),
        "data.json",
        format="label_studio",
        create_missing_annotators=True,
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "failed"
    assert any("no control characters" in e["message"] for e in job.errors), job.errors
    assert not get_user_model().objects.filter(username__startswith="\t").exists()
