"""Exports: COCO that pycocotools evaluates, filters, downloads, QA reports, round trips."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import zipfile

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.interop.conf import EXPORT_KIND
from apps.interop.selectors import ExportFilter, filtered_annotations
from apps.jobs.models import Job
from apps.projects.models import Project
from labelqc.formats import read_voc, read_yolo
from tests.apps.interop.conftest import make_items, shape

pytestmark = pytest.mark.django_db


def coco_ap(path, iou_type: str) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        gold = COCO(str(path))
        detections = [{**a, "score": 1.0} for a in gold.dataset["annotations"]]
        evaluation = COCOeval(gold, gold.loadRes(detections), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0])


def test_gold_coco_loads_in_pycocotools_with_ap_one(
    project, program, manager, run_export, tmp_path
):
    job, content = run_export(manager, project, format="coco", sources=["gold"])
    assert job["result"]["annotations"] == 4 and job["result"]["images"] == 2
    assert job["progress_done"] == job["progress_total"] == 4
    path = tmp_path / "gold.json"
    path.write_bytes(content)
    assert coco_ap(path, "bbox") == pytest.approx(1.0)
    assert len(COCO(str(path)).getAnnIds()) == 4
    # Segmentation AP needs polygons or masks: the person class holds exactly those.
    person = program["person"].pk
    _, segments = run_export(manager, project, format="coco", sources=["gold"], classes=[person])
    path.write_bytes(segments)
    assert coco_ap(path, "segm") == pytest.approx(1.0)


def test_download_is_409_while_running_and_404_for_other_jobs(project, manager, media_root):
    running = Job.objects.create(project=project, kind=EXPORT_KIND, status="running")
    response = manager.get(f"/api/jobs/{running.pk}/download/")
    assert response.status_code == 409 and response.json()["status"] == "running"
    other = Job.objects.create(project=project, kind="interop.import", status="succeeded")
    assert manager.get(f"/api/jobs/{other.pk}/download/").status_code == 404


def test_export_roles(project, make_member, client_for, run_export, manager, media_root):
    job, _ = run_export(manager, project, format="coco")
    for role in (Role.ANNOTATOR, Role.REVIEWER, Role.FINANCE):
        client = client_for(make_member(project, role).user)
        body = {"format": "coco"}
        url = f"/api/projects/{project.pk}/exports/"
        assert client.post(url, body, format="json").status_code == 403, role
        assert client.get(f"/api/jobs/{job['id']}/download/").status_code == 403, role


def test_filters(project, program):
    alice, bob, car = program["alice"], program["bob"], program["car"]

    def count(**kwargs):
        return filtered_annotations(project_id=project.pk, filters=ExportFilter(**kwargs)).count()

    assert count() == 9  # human work by default
    assert count(sources=("gold",)) == 4
    assert count(sources=("gold", "human")) == 13
    assert count(annotators=(bob.pk,)) == 4
    assert count(classes=(car.pk,)) == 7
    # Approved only: alice's n1 work (last review approved), not bob's (last review rejected).
    approved = filtered_annotations(project_id=project.pk, filters=ExportFilter(approved_only=True))
    assert [a.author_id for a in approved] == [alice.pk]
    created = Annotation.objects.order_by("id").values_list("created_at", flat=True)
    assert count(created_before=created[0]) == 0
    assert count(created_after=created[0]) == 9


def test_export_request_validation(project, program, manager, make_member):
    other = Project.objects.create(name="Other")
    stranger = make_member(other, Role.ANNOTATOR)
    url = f"/api/projects/{project.pk}/exports/"
    response = manager.post(
        url,
        {"format": "coco", "annotators": [stranger.pk], "sources": ["bogus"]},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"annotators", "sources"}
    qa = manager.post(url, {"format": "qa_json", "sources": ["gold"]}, format="json")
    assert qa.status_code == 400 and set(qa.json()) == {"sources"}
    dates = manager.post(
        url,
        {
            "format": "coco",
            "created_after": "2030-01-02T00:00:00Z",
            "created_before": "2030-01-01T00:00:00Z",
        },
        format="json",
    )
    assert dates.status_code == 400 and set(dates.json()) == {"created_before"}


def test_several_annotators_need_merging_in_yolo(
    project, program, manager, django_capture_on_commit_callbacks, media_root
):
    url = f"/api/projects/{project.pk}/exports/"
    body = {"format": "yolo", "classes": [program["car"].pk]}
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, body, format="json")
    job = manager.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == "failed"
    assert [(e["file"], e["field"]) for e in job["errors"]] == [("<yolo output>", "annotator")]
    download = manager.get(f"/api/jobs/{job['id']}/download/")
    assert download.status_code == 409 and download.json()["errors"] == job["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        merged = manager.post(url, {**body, "merge_annotators": True}, format="json")
    assert Job.objects.get(pk=merged.json()["id"]).status == "succeeded"


def test_yolo_and_voc_exports_are_zipped_folders(project, program, manager, run_export):
    alice = program["alice"].pk
    car = program["car"].pk
    _, content = run_export(manager, project, format="yolo", annotators=[alice], classes=[car])
    files = _unzip(content)
    assert "data.yaml" in files
    yolo = read_yolo(
        files, image_sizes={"g1.jpg": (40, 30), "g2.jpg": (40, 30), "n1.jpg": (40, 30)}
    )
    boxes = np.array(sorted(a.box for a in yolo.annotations))
    expected = np.array(sorted([(2, 3, 10, 8), (5, 5, 12, 6), (1, 1, 8, 8)]), dtype=float)
    assert np.allclose(boxes, expected, atol=1e-4)
    _, content = run_export(manager, project, format="voc", annotators=[alice], as_boxes=True)
    voc = read_voc(_unzip(content))
    assert len(voc.annotations) == 5 and set(voc.categories) == {"car", "person"}


def test_qa_report_json_and_csv(project, program, manager, run_export):
    alice, bob = program["alice"], program["bob"]
    _, content = run_export(manager, project, format="qa_json")
    report = json.loads(content)
    assert report["gold_items"] == 2 and report["gold_shapes"] == 4
    rows = {row["username"]: row for row in report["rows"]}
    assert rows["alice"]["annotator_id"] == alice.pk
    assert (rows["alice"]["tp"], rows["alice"]["fp"], rows["alice"]["fn"]) == (4, 0, 0)
    assert rows["alice"]["accuracy"] == 1.0 and rows["alice"]["mean_iou"] == 1.0
    assert (rows["bob"]["tp"], rows["bob"]["fp"], rows["bob"]["fn"]) == (2, 1, 2)
    assert rows["bob"]["precision"] == pytest.approx(2 / 3)
    assert rows["bob"]["recall"] == pytest.approx(0.5)
    assert rows["bob"]["accuracy"] == pytest.approx(0.4)
    assert rows["bob"]["mean_iou"] == pytest.approx((1 + 66 / 78) / 2)
    _, content = run_export(manager, project, format="qa_csv", annotators=[bob.pk])
    table = list(csv.DictReader(io.StringIO(content.decode())))
    assert [(r["username"], r["tp"], r["fn"], r["accuracy"]) for r in table] == [
        ("bob", "2", "2", "0.4")
    ]


def _unzip(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _key(entry: tuple) -> tuple:
    file_name, label, author, kind, geometry = entry
    if kind == "mask":
        extent = [
            int(v)
            for v in mask_utils.toBbox(
                {**geometry["rle"], "counts": geometry["rle"]["counts"].encode()}
            )
        ]
    elif kind == "polygon":
        extent = [round(v) for v in geometry["points"]]
    else:
        extent = [round(geometry[k]) for k in "xywh"]
    return (file_name, label, str(author), kind, extent)


def assert_same_shapes(before: list, after: list, tolerance: float) -> None:
    before, after = sorted(before, key=_key), sorted(after, key=_key)
    assert [_key(s)[:4] for s in after] == [_key(s)[:4] for s in before]
    for old, new in zip(before, after, strict=True):
        kind, g_old, g_new = old[3], old[4], new[4]
        if kind == "box":
            assert [g_new[k] for k in "xywh"] == pytest.approx(
                [g_old[k] for k in "xywh"], abs=tolerance
            )
        elif kind == "polygon":
            assert g_new["points"] == pytest.approx(g_old["points"], abs=tolerance)
        else:
            decode = [
                mask_utils.decode({**g["rle"], "counts": g["rle"]["counts"].encode()})
                for g in (g_old, g_new)
            ]
            assert np.array_equal(*decode)


ROUND_TRIPS = [
    # format, export filter, import options, coordinate tolerance (px)
    ("coco", {}, {}, 1e-9),
    ("label_studio", {}, {}, 1e-6),
    ("cvat", {"annotators": ["alice"]}, {}, 1e-5),
    ("yolo", {"annotators": ["alice"], "classes": ["car"]}, {"annotator": "alice"}, 1e-4),
    ("voc", {"annotators": ["bob"]}, {"annotator": "bob"}, 0.0),
]


@pytest.mark.parametrize(("fmt", "filters", "options", "tolerance"), ROUND_TRIPS)
def test_export_import_round_trip(
    project,
    program,
    manager,
    make_member,
    client_for,
    run_export,
    run_import,
    fmt,
    filters,
    options,
    tolerance,
):
    ids = {
        "annotators": [program[name].pk for name in filters.get("annotators", [])],
        "classes": [program[name].pk for name in filters.get("classes", [])],
    }
    body = {"format": fmt, **{k: v for k, v in ids.items() if v}}
    _, content = run_export(manager, project, **body)
    copy = Project.objects.create(name=f"Copy {fmt}")
    make_items(copy, {"g1.jpg": (40, 30), "g2.jpg": (40, 30), "n1.jpg": (40, 30)})
    lead = client_for(make_member(copy, Role.PROJECT_LEAD).user)
    name = f"export.{'zip' if fmt in ('yolo', 'voc') else 'xml' if fmt == 'cvat' else 'json'}"
    _, job = run_import(
        lead,
        copy,
        content,
        name,
        format=fmt,
        create_missing_classes=True,
        create_missing_annotators=True,
        **options,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    original = Annotation.objects.filter(project=project, source="human")
    if ids["annotators"]:
        original = original.filter(author_id__in=ids["annotators"])
    if ids["classes"]:
        original = original.filter(label_class_id__in=ids["classes"])
    imported = Annotation.objects.filter(project=copy)
    assert imported.count() == original.count() > 0
    assert_same_shapes([shape(a) for a in original], [shape(a) for a in imported], tolerance)
    if fmt == "coco":  # keeps attributes as they are
        assert sorted(str(a.attributes) for a in imported) == sorted(
            str(a.attributes) for a in original
        )
    # The existing users became members of the copy; no user was created twice.
    authors = {a.author.user.username for a in original}
    assert set(job.result["annotators_created"]) == authors
    assert get_user_model().objects.filter(username__in=authors).count() == len(authors)
