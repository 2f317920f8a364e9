"""A bad file fails its job with errors naming file, record and field, and writes nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.interop.services import imports
from apps.interop.services.imports import import_job_run
from apps.jobs.models import Job
from apps.projects.models import LabelClass
from tests.apps.interop.conftest import SAMPLES, make_items

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<annotations><version>1.1</version><image id="0" name="b.jpg" width="5" height="10">
<box label="a" xtl="0" ytl="0" xbr="1" ybr="1" occluded="0">&lol4;</box></image></annotations>
"""


def coco(*annotations: dict, width: int = 5, height: int = 10) -> bytes:
    document = json.loads((SAMPLES / "coco/instances_val.json").read_text())
    document["images"][0].update(width=width, height=height)
    document["annotations"] = [
        {"id": i + 1, "image_id": 40, "category_id": 1, "iscrowd": 0, **a}
        for i, a in enumerate(annotations)
    ]
    return json.dumps(document).encode()


GOOD_BOX = {"bbox": [0, 0, 2, 2], "segmentation": []}


@pytest.fixture
def state(project):
    make_items(project, {"b.jpg": (5, 10)})

    def snapshot():
        return (
            Annotation.objects.count(),
            LabelClass.objects.count(),
            get_user_model().objects.count(),
            AuditEvent.objects.exclude(action__startswith="interop.").count(),
        )

    return snapshot


def failed_errors(run_import, manager, project, content: bytes, name: str, **options):
    options = {"format": "coco", "source": "gold", "create_missing_classes": True, **options}
    response, job = run_import(manager, project, content, name, **options)
    assert response.status_code == 202
    polled = manager.get(f"/api/jobs/{job.pk}/").json()
    assert polled["status"] == "failed"
    assert polled["errors"], "a failed job names its problems"
    for error in polled["errors"]:
        assert set(error) == {"file", "record", "field", "message"}
    return polled["errors"]


def test_malformed_json(project, manager, run_import, state):
    before = state()
    errors = failed_errors(run_import, manager, project, b'{"images": [', "broken.json")
    assert errors[0]["file"] == "broken.json"
    assert errors[0]["field"] == "json" and errors[0]["record"].startswith("line 1 column")
    assert state() == before


def test_unknown_classes_are_all_listed(project, manager, run_import, state, sample):
    before = state()
    errors = failed_errors(
        run_import,
        manager,
        project,
        sample("coco/instances_val.json"),
        "val.json",
        create_missing_classes=False,
    )
    assert {(e["record"], e["field"]) for e in errors} == {
        ("category 'a'", "category"),
        ("category 'b'", "category"),
    }
    assert all(e["file"] == "val.json" for e in errors)
    assert state() == before


def test_geometry_outside_the_image(project, manager, run_import, state):
    before = state()
    content = coco(GOOD_BOX, {"bbox": [3, 0, 7, 2], "segmentation": []})
    errors = failed_errors(run_import, manager, project, content, "out.json")
    assert [(e["record"], e["field"]) for e in errors] == [("annotations[1] (id 2)", "bbox")]
    assert "outside" in errors[0]["message"]
    assert state() == before


def test_xml_entity_bomb_is_refused_before_expansion(project, manager, run_import, state):
    before = state()
    errors = failed_errors(run_import, manager, project, BILLION_LAUGHS, "bomb.xml", format="cvat")
    assert (errors[0]["file"], errors[0]["field"]) == ("bomb.xml", "DOCTYPE")
    assert state() == before


def test_service_validation_errors_name_the_record(project, manager, run_import, state):
    """The reader accepts a collinear polygon; the annotation service refuses it."""
    before = state()
    flat = {"bbox": [0, 0, 2, 2], "segmentation": [[0, 0, 1, 1, 2, 2]]}
    content = coco(GOOD_BOX, flat)
    errors = failed_errors(run_import, manager, project, content, "flat.json")
    assert [(e["file"], e["record"], e["field"]) for e in errors] == [
        ("flat.json", "annotations[1] (image 'b.jpg', id 2)", "geometry.points")
    ]
    # The good box and the class 'a' the import would have created are rolled back too.
    assert state() == before


def test_all_or_nothing_across_write_batches(project, manager, run_import, state, monkeypatch):
    monkeypatch.setattr(imports, "WRITE_BATCH", 1)
    before = state()
    content = coco(GOOD_BOX, GOOD_BOX, {"bbox": [0, 0, 0, 2], "segmentation": []})
    errors = failed_errors(run_import, manager, project, content, "zero.json")
    assert [(e["record"], e["field"]) for e in errors] == [
        ("annotations[2] (image 'b.jpg', id 3)", "geometry.w")
    ]
    assert state() == before


def test_image_size_and_unknown_image(project, manager, run_import, state, sample):
    before = state()
    errors = failed_errors(run_import, manager, project, coco(GOOD_BOX, width=6), "size.json")
    assert [(e["record"], e["field"]) for e in errors] == [("image 'b.jpg'", "width/height")]
    errors = failed_errors(
        run_import, manager, project, sample("coco/instances_train.json"), "train.json"
    )
    assert [(e["file"], e["record"], e["field"]) for e in errors] == [
        ("train.json", "image 'a.jpg'", "file_name")
    ]
    assert state() == before


def test_unattributed_human_work_needs_an_annotator(project, manager, run_import, state):
    before = state()
    errors = failed_errors(run_import, manager, project, coco(GOOD_BOX), "x.json", source="human")
    assert [(e["record"], e["field"]) for e in errors] == [("annotations", "annotator")]
    assert state() == before


def test_yolo_must_be_a_zip_and_a_bad_zip_fails(project, manager, run_import, state):
    before = state()
    errors = failed_errors(run_import, manager, project, b"0 0.5 0.5 1 1\n", "1.txt", format="yolo")
    assert errors[0]["field"] == "file"
    errors = failed_errors(
        run_import, manager, project, b"PK\x03\x04broken", "d.zip", format="yolo"
    )
    assert (errors[0]["file"], errors[0]["field"]) == ("d.zip", "zip")
    assert state() == before


def test_a_finished_job_is_not_run_again(project, manager, run_import, sample):
    make_items(project, {"a.jpg": (10, 5)})
    _, job = run_import(
        manager,
        project,
        sample("coco/instances_train.json"),
        "t.json",
        format="coco",
        source="gold",
        create_missing_classes=True,
    )
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    import_job_run(job.pk)  # a redelivered message
    assert Annotation.objects.count() == 1


def test_a_job_cancelled_while_reading_writes_nothing(project, manager, state, tmp_path):
    from apps.interop.services.imports import ImportOptions, import_local
    from apps.jobs.services import job_cancel

    before = state()
    path = tmp_path / "ok.json"
    path.write_bytes(coco(GOOD_BOX, GOOD_BOX))

    def cancel_once_reading(stage: str, done: int, total: int) -> None:
        if stage == "read":
            job_cancel(Job.objects.get(kind="interop.import").pk)

    job = import_local(
        actor=None,
        project_id=project.pk,
        path=path,
        options=ImportOptions(format="coco", source="gold", create_missing_classes=True),
        progress=cancel_once_reading,
    )
    assert job.status == "cancelled"
    assert state() == before
