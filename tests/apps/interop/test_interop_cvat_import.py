"""CVAT XML imports stream the stored upload: progress in bytes, bad files fail writing nothing."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.annotations.models import Annotation
from apps.audit.models import AuditEvent
from apps.common.roles import Role
from apps.interop.services import imports
from apps.projects.models import LabelClass
from tests.apps.interop.conftest import make_items

pytestmark = pytest.mark.django_db

COUNT = 120
POLYLINE = ";".join(f"{i % 60}.5,{i % 40}.25" for i in range(100))
META = (
    "<meta><job><labels><label><name>car</name></label><label><name>road</name></label>"
    "</labels><assignee><username>alice</username></assignee>"
    "<owner><username>boss</username></owner></job></meta>"
)
BOX = '<box label="car" xtl="1" ytl="2" xbr="11" ybr="12" occluded="0"/>'


def cvat_document(count: int = COUNT, shapes: dict[int, str] | None = None) -> bytes:
    """A CVAT for images 1.1 job export: a car box and a (skipped) long polyline per image."""
    shapes = shapes or {}
    images = "".join(
        f'<image id="{i}" name="img{i}.jpg" width="64" height="48">'
        f'{shapes.get(i, BOX)}<polyline label="road" points="{POLYLINE}"/></image>\n'
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<annotations><version>1.1</version>{META}\n{images}</annotations>\n"
    ).encode()


@pytest.fixture
def items(project, make_member):
    make_member(project, Role.ANNOTATOR, "alice")
    return make_items(project, {f"img{i}.jpg": (64, 48) for i in range(COUNT)})


@pytest.fixture
def state(project):
    def snapshot() -> tuple[int, ...]:
        return (
            Annotation.objects.count(),
            LabelClass.objects.count(),
            get_user_model().objects.count(),
            AuditEvent.objects.exclude(action__startswith="interop.").count(),
        )

    return snapshot


def test_cvat_upload_is_streamed_and_reports_bytes_read(
    project, manager, items, run_import, monkeypatch
):
    content = cvat_document()
    sources: list[Any] = []
    read_dataset = imports.read_dataset

    def spy(source, fmt, **kwargs):
        sources.append(source)
        return read_dataset(source, fmt, **kwargs)

    progress: list[tuple[int, int]] = []
    job_progress = imports.job_progress

    def record(job_id: int, *, done: int, total: int) -> None:
        progress.append((done, total))
        job_progress(job_id, done=done, total=total)

    monkeypatch.setattr(imports, "read_dataset", spy)
    monkeypatch.setattr(imports, "job_progress", record)
    response, job = run_import(manager, project, content, "annotations.xml", format="cvat")
    assert response.status_code == 202
    polled = manager.get(f"/api/jobs/{job.pk}/").json()
    assert polled["status"] == "succeeded", polled["errors"]
    # The reader got the stored upload's path, not its bytes.
    (source,) = sources
    assert source.document is None and source.path.read_bytes() == content
    # The read stage counts bytes of the file, 0 to its size; the write stage annotations.
    size = len(content)
    read = [call for call in progress if call[1] == size]
    assert read[0] == (0, size) and read[-1] == (size, size) and len(read) > 5
    assert [done for done, _ in read] == sorted(done for done, _ in read)
    assert progress[-1] == (COUNT, COUNT)
    assert polled["progress_done"] == polled["progress_total"] == COUNT
    assert polled["result"]["created"] == COUNT
    authors = set(Annotation.objects.values_list("author__user__username", flat=True))
    assert authors == {"alice"}  # the job's assignee, never its owner
    assert any("polyline" in note for note in polled["result"]["notes"])


def test_zipped_cvat_export_still_imports(project, manager, items, run_import):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("annotations.xml", cvat_document())
    _, job = run_import(manager, project, buffer.getvalue(), "job.zip", format="cvat")
    job.refresh_from_db()
    assert job.status == "succeeded", job.errors
    assert job.result["file"] == "job.zip/annotations.xml"
    assert Annotation.objects.count() == COUNT


def test_command_progress_bar_shows_bytes_read(project, items, tmp_path):
    path = tmp_path / "annotations.xml"
    path.write_bytes(cvat_document())
    size = path.stat().st_size
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_annotations",
        str(path),
        "--project",
        str(project.pk),
        "--format",
        "cvat",
        stdout=out,
        stderr=err,
    )
    assert f"{COUNT} annotations on {COUNT} items" in out.getvalue()
    assert f"{size}/{size}" in err.getvalue() and f"{COUNT}/{COUNT}" in err.getvalue()
    with pytest.raises(CommandError, match=r"cut\.xml: line \d+ column \d+: xml: malformed"):
        (tmp_path / "cut.xml").write_bytes(cvat_document()[: size // 2])
        call_command(
            "import_annotations",
            str(tmp_path / "cut.xml"),
            "--project",
            str(project.pk),
            "--format",
            "cvat",
            "--no-progress",
            stdout=out,
            stderr=err,
        )
    assert Annotation.objects.count() == COUNT


def _truncated() -> bytes:
    content = cvat_document()
    return content[: content.index(b'<image id="60"') + 20]


BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
) + cvat_document().split(b"\n", 1)[1].replace(b"<version>1.1", b"<version>&lol2;")

CASES = {
    "truncated": (_truncated(), [("cut.xml", None, "xml")]),
    "entity bomb": (BOMB, [("bomb.xml", "<document>", "DOCTYPE")]),
    "unknown label": (
        cvat_document(shapes={3: BOX.replace("car", "truck")}),
        [("labels.xml", "image[3] (img3.jpg) box[0]", "label")],
    ),
    "outside the image": (
        cvat_document(shapes={7: BOX, 90: BOX.replace('xbr="11"', 'xbr="70"')}),
        [("out.xml", "image[90] (img90.jpg) box[0]", "xtl/ytl/xbr/ybr")],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_cvat_files_fail_naming_file_record_field_and_write_nothing(
    case, project, manager, items, run_import, state
):
    content, expected = CASES[case]
    name = expected[0][0]
    before = state()
    response, job = run_import(
        manager, project, content, name, format="cvat", create_missing_classes=True
    )
    assert response.status_code == 202
    polled = manager.get(f"/api/jobs/{job.pk}/").json()
    assert polled["status"] == "failed"
    errors = polled["errors"]
    assert [(e["file"], e["field"]) for e in errors] == [(f, field) for f, _, field in expected]
    for error, (_, record, _) in zip(errors, expected, strict=True):
        assert set(error) == {"file", "record", "field", "message"}
        if record is None:  # malformed XML: the line and column of the cut
            assert error["record"].startswith("line ") and "column" in error["record"]
        else:
            assert error["record"] == record
    if case == "truncated":
        assert "'img59.jpg'" in errors[0]["message"]
    assert state() == before
    assert not Annotation.objects.exists()
