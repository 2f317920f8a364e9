"""The management commands run the same services as the API, with a progress bar."""

from __future__ import annotations

import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from apps.annotations.models import Annotation
from apps.common.roles import Role
from apps.jobs.models import Job
from apps.projects.models import LabelClass
from labelqc.formats import read_coco
from tests.apps.interop.conftest import SAMPLES, make_items

pytestmark = pytest.mark.django_db


def run(command: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_command_matches_the_api(project, manager, run_import, sample, tmp_path):
    make_items(project, {"b.jpg": (5, 10)})
    path = tmp_path / "val.json"
    path.write_bytes(sample("coco/instances_val.json"))
    out, err = run(
        "import_annotations",
        "--project",
        str(project.pk),
        "--format",
        "coco",
        "--source",
        "gold",
        "--create-missing-classes",
        "--user",
        "qa",
        str(path),
    )
    assert "2 annotations on 1 items" in out
    assert "read" in err and "write" in err  # the progress bar's stages
    job = Job.objects.get(kind="interop.import")
    assert job.status == "succeeded" and job.created_by.username == "qa"
    by_command = list(Annotation.objects.values_list("geometry_type", "geometry", "source"))
    Annotation.objects.all().delete()
    # The same file again: refused as a duplicate of the command's import unless allowed.
    _, api_job = run_import(
        manager,
        project,
        path.read_bytes(),
        "val.json",
        format="coco",
        source="gold",
        allow_duplicate=True,
    )
    api_job.refresh_from_db()
    assert api_job.result["created"] == job.result["created"] == 2
    assert list(Annotation.objects.values_list("geometry_type", "geometry", "source")) == (
        by_command
    )


def test_import_command_reads_a_folder(project, make_member, tmp_path):
    alice = make_member(project, Role.ANNOTATOR, "alice")
    make_items(project, {"1.jpg": (15, 10)})
    folder = tmp_path / "yolo"
    shutil.copytree(SAMPLES / "yolo_darknet", folder)
    run(
        "import_annotations",
        str(folder),
        "--project",
        str(project.pk),
        "--format",
        "yolo",
        "--annotator",
        "alice",
        "--create-missing-classes",
        "--no-progress",
    )
    assert list(Annotation.objects.values_list("author_id", flat=True)) == [alice.pk, alice.pk]


def test_import_command_failure_lists_errors_and_writes_nothing(project, sample, tmp_path):
    make_items(project, {"b.jpg": (5, 10)})
    path = tmp_path / "val.json"
    path.write_bytes(sample("coco/instances_val.json"))
    classes = LabelClass.objects.count()
    with pytest.raises(CommandError) as failure:
        run("import_annotations", "--project", str(project.pk), "--format", "coco", str(path))
    message = str(failure.value)
    assert "val.json: category 'a': category: not in the project taxonomy" in message
    assert "annotator" in message  # human work without an annotator is refused too
    assert not Annotation.objects.exists() and LabelClass.objects.count() == classes
    with pytest.raises(CommandError, match=r"image 'b\.jpg': sha256: no SHA-256 for this image"):
        run(
            "import_annotations",
            "--project",
            str(project.pk),
            "--format",
            "coco",
            "--source",
            "gold",
            "--match-images-by",
            "sha256",
            "--create-missing-classes",
            str(path),
        )
    with pytest.raises(CommandError, match="does not exist"):
        run("import_annotations", "--project", str(project.pk), "--format", "coco", "nope.json")
    assert not Annotation.objects.exists()


def test_export_command_writes_what_the_api_serves(project, program, manager, run_export, tmp_path):
    out_file = tmp_path / "gold.json"
    out, err = run(
        "export_annotations",
        "--project",
        str(project.pk),
        "--format",
        "coco",
        "--source",
        "gold",
        "--out",
        str(out_file),
    )
    assert f"to {out_file}" in out and "build" in err
    _, served = run_export(manager, project, format="coco", sources=["gold"])
    assert out_file.read_bytes() == served
    assert len(read_coco(out_file).annotations) == 4
    job = Job.objects.filter(kind="interop.export").order_by("id").first()
    assert manager.get(f"/api/jobs/{job.pk}/download/").status_code == 404


def test_export_command_qa_csv_and_bad_filters(project, program, tmp_path):
    out_file = tmp_path / "qa.csv"
    bob = program["bob"].pk
    run(
        "export_annotations",
        "--project",
        str(project.pk),
        "--format",
        "qa_csv",
        "--annotator",
        str(bob),
        "--out",
        str(out_file),
        "--no-progress",
    )
    lines = out_file.read_text().splitlines()
    assert lines[0].startswith("annotator_id,username,n_items,tp,fp,fn")
    assert lines[1].startswith(f"{bob},bob,2,2,1,2,")
    with pytest.raises(CommandError, match="classes"):
        run(
            "export_annotations",
            "--project",
            str(project.pk),
            "--format",
            "coco",
            "--class",
            "999999",
            "--out",
            str(out_file),
        )
