"""Exporting a project's annotations (COCO, YOLO, VOC, CVAT, Label Studio) and QA reports.

A job row carries the format, filter and writer options; the run loads the filtered
annotations, builds the neutral `labelqc.formats.Dataset` (progress per annotation), writes the
file with the pure writer (YOLO and VOC folders zipped) under MEDIA_ROOT/jobs/<id>/ and records
where it is. QA reports (`qa_json`, `qa_csv`) score human work against gold per annotator with
`labelqc.quality.score_against_gold`.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.annotations.models import Source
from apps.audit.services import audit
from apps.common.spreadsheets import formula_safe
from apps.common.values import plain
from apps.interop import selectors
from apps.interop.conf import EXPORT_KIND, job_dir
from apps.interop.mapping import problems_of
from apps.interop.selectors import ExportFilter
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import job_claim, job_create, job_finish, job_progress
from apps.projects.selectors import class_thresholds
from labelqc.formats import (
    Annotation,
    Dataset,
    FormatError,
    ImageRecord,
    write_coco,
    write_cvat,
    write_label_studio,
    write_voc,
    write_yolo,
)
from labelqc.quality import score_against_gold

logger = logging.getLogger("labelqc.interop")

Progress = Callable[[str, int, int], None]
ANNOTATION_FORMATS = ("coco", "yolo", "voc", "cvat", "label_studio")
QA_FORMATS = ("qa_json", "qa_csv")
EXTENSIONS = {
    "coco": ("json", "application/json"),
    "label_studio": ("json", "application/json"),
    "cvat": ("xml", "application/xml"),
    "yolo": ("zip", "application/zip"),
    "voc": ("zip", "application/zip"),
    "qa_json": ("json", "application/json"),
    "qa_csv": ("csv", "text/csv"),
}
QA_COLUMNS = (
    "annotator_id",
    "username",
    "n_items",
    "tp",
    "fp",
    "fn",
    "precision",
    "recall",
    "accuracy",
    "mean_iou",
    "median_iou",
    "p10_iou",
)


@dataclass(frozen=True)
class ExportOptions:
    format: str
    filters: ExportFilter = field(default_factory=ExportFilter)
    merge_annotators: bool = False
    as_boxes: bool = False
    unsupported: str = "error"
    reason: str = ""

    def to_params(self) -> dict[str, Any]:
        params = asdict(self)
        for key in ("created_after", "created_before"):
            value = params["filters"][key]
            params["filters"][key] = value.isoformat() if value else None
        params["filters"]["sources"] = list(self.filters.sources)
        params["filters"]["annotators"] = list(self.filters.annotators)
        params["filters"]["classes"] = list(self.filters.classes)
        return params

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ExportOptions:
        raw = dict(params.get("filters") or {})
        filters = ExportFilter(
            sources=tuple(raw.get("sources") or ()),
            approved_only=bool(raw.get("approved_only")),
            annotators=tuple(raw.get("annotators") or ()),
            classes=tuple(raw.get("classes") or ()),
            created_after=_datetime(raw.get("created_after")),
            created_before=_datetime(raw.get("created_before")),
        )
        keys = ("format", "merge_annotators", "as_boxes", "unsupported", "reason")
        return cls(filters=filters, **{k: params[k] for k in keys if k in params})


def _datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def export_start(*, actor: Any, project_id: int, options: ExportOptions) -> Job:
    with transaction.atomic():
        job = job_create(
            kind=EXPORT_KIND, project_id=project_id, actor=actor, params=options.to_params()
        )
        audit(
            actor=actor,
            project_id=project_id,
            action="interop.export.request",
            entity=job,
            after=job.params,
            reason=options.reason,
        )
        job_send_on_commit(job)
    return job


def export_local(
    *, actor: Any, project_id: int, options: ExportOptions, out: Path, progress: Progress | None
) -> Job:
    """The management command's way: a job row for the record, written to ``out`` here and now."""
    params = {**options.to_params(), "out": str(out.resolve())}
    job = job_create(kind=EXPORT_KIND, project_id=project_id, actor=actor, params=params)
    audit(
        actor=actor,
        project_id=project_id,
        action="interop.export.request",
        entity=job,
        after=job.params,
        reason=options.reason,
    )
    export_job_run(job.pk, progress=progress)
    return Job.objects.get(pk=job.pk)


def export_file_name(job: Job) -> str:
    fmt = job.params.get("format", "export")
    return f"project-{job.project_id}-{fmt}-job{job.pk}.{EXTENSIONS.get(fmt, ('bin',))[0]}"


def export_job_run(job_id: int, progress: Progress | None = None) -> None:
    job = job_claim(job_id)
    if job is None:
        return
    options = ExportOptions.from_params(job.params)

    def report(stage: str, done: int, total: int) -> None:
        job_progress(job_id, done=done, total=total)
        if progress is not None:
            progress(stage, done, total)

    try:
        assert job.project_id is not None
        content, summary = render_export(job.project_id, options, report)
        name = export_file_name(job)
        out = Path(job.params["out"]) if "out" in job.params else job_dir(job.pk) / name
        _write_atomically(out, content)
        stored = str(out.relative_to(settings.MEDIA_ROOT)) if "out" not in job.params else str(out)
        result = {
            **summary,
            "file": stored,
            "name": name,
            "bytes": len(content),
            "content_type": EXTENSIONS[options.format][1],
            "download": f"/api/jobs/{job.pk}/download/",
        }
        job_finish(job_id, result=result)
    except FormatError as exc:
        job_finish(job_id, errors=problems_of(exc, f"<{options.format} output>"), failed=True)
    except Exception as exc:  # a bug must still end the job, not leave it running
        logger.exception("export job %s failed", job_id)
        error = {"file": "", "record": "", "field": "internal", "message": repr(exc)[:500]}
        job_finish(job_id, errors=[error], failed=True)


def _write_atomically(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)


def render_export(
    project_id: int, options: ExportOptions, progress: Progress
) -> tuple[bytes, dict[str, Any]]:
    """The file's bytes and a summary (counts) for the job result."""
    if options.format in QA_FORMATS:
        progress("score", 0, 1)
        report = qa_report(project_id, options.filters)
        progress("score", 1, 1)
        if options.format == "qa_json":
            return json.dumps(report, indent=2).encode("utf-8"), {"annotators": len(report["rows"])}
        return qa_csv(report["rows"]), {"annotators": len(report["rows"])}
    dataset = build_dataset(project_id, options.filters, progress)
    content = write_dataset(dataset, options)
    summary = {"annotations": len(dataset.annotations), "images": len(dataset.images)}
    return content, summary


def build_dataset(project_id: int, filters: ExportFilter, progress: Progress) -> Dataset:
    rows = selectors.export_rows(project_id=project_id, filters=filters)
    total = len(rows)
    progress("build", 0, total)
    items = selectors.items_by_id(item_ids={r["item_id"] for r in rows})
    images = _image_records(items)
    classes = selectors.class_names(project_id=project_id, class_ids=filters.classes)
    names = selectors.member_names(project_id=project_id)
    step = max(1, total // 100)
    annotations = []
    for index, row in enumerate(rows, start=1):
        annotations.append(_annotation(row, images[row["item_id"]].file_name, classes, names))
        if index % step == 0 or index == total:
            progress("build", index, total)
    return Dataset(
        images=tuple(images[i] for i in sorted(images)),
        categories=tuple(classes[k] for k in sorted(classes)),
        annotations=tuple(annotations),
    )


def _image_records(items: dict[int, dict[str, Any]]) -> dict[int, ImageRecord]:
    """One ImageRecord per item; a name used twice gets the item id added to stay unique."""
    counts: dict[str, int] = {}
    for row in items.values():
        name = row["file_name"] or os.path.basename(row["uri"] or "") or f"item-{row['id']}.jpg"
        row["name"] = name
        counts[name] = counts.get(name, 0) + 1
    records = {}
    for item_id, row in items.items():
        name = row["name"]
        if counts[name] > 1:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}__{item_id}.{ext}" if dot else f"{name}__{item_id}"
        records[item_id] = ImageRecord(
            file_name=name, width=row["width"], height=row["height"], image_id=item_id
        )
    return records


def _annotation(
    row: dict[str, Any], image: str, classes: dict[int, str], names: dict[int, str]
) -> Annotation:
    geometry = row["geometry"] or {}
    kind = row["geometry_type"]
    attributes = dict(row["attributes"] or {})
    is_prelabel = row["source"] == Source.PRELABEL
    if is_prelabel and row["model_id"]:
        attributes.setdefault("model_version", row["model_id"])
    has_box = kind != "tag" and row["x"] is not None
    return Annotation(
        image=image,
        category=classes[row["label_class_id"]],
        geometry=kind,
        box=(row["x"], row["y"], row["w"], row["h"]) if has_box else None,
        polygon=(tuple(geometry["points"]),) if kind == "polygon" else None,
        mask=geometry["rle"] if kind == "mask" else None,
        annotator=names.get(row["author_id"]) if row["author_id"] else None,
        source="prelabel" if is_prelabel else "human",
        score=row["score"],
        attributes=attributes,
        ann_id=row["id"],
    )


def write_dataset(dataset: Dataset, options: ExportOptions) -> bytes:
    fmt, unsupported = options.format, options.unsupported
    if fmt == "coco":
        return write_coco(dataset, unsupported=unsupported)
    if fmt == "cvat":
        return write_cvat(
            dataset, merge_annotators=options.merge_annotators, unsupported=unsupported
        )
    if fmt == "label_studio":
        return write_label_studio(dataset)
    folder_writer = write_yolo if fmt == "yolo" else write_voc
    files = folder_writer(
        dataset,
        as_boxes=options.as_boxes,
        unsupported=unsupported,
        merge_annotators=options.merge_annotators,
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            archive.writestr(path, files[path])
    return buffer.getvalue()


def qa_report(project_id: int, filters: ExportFilter) -> dict[str, Any]:
    """Gold scores per annotator: TP/FP/FN, precision, recall, accuracy and IoU statistics."""
    frames = selectors.gold_frames(project_id=project_id, filters=filters)
    thresholds = class_thresholds(project_id=project_id)
    names = selectors.member_names(project_id=project_id)
    rows: list[dict[str, Any]] = []
    if not frames.human.empty or not frames.assignments.empty:
        table = score_against_gold(
            frames.gold,
            frames.human,
            thresholds,
            by="annotator_id",
            assignments=frames.assignments,
            gold_items=frames.gold_items,
        )
        for record in table.sort_values("annotator_id").to_dict("records"):
            record["username"] = names.get(int(record["annotator_id"]), "")
            rows.append({k: plain(record.get(k)) for k in QA_COLUMNS})
    return {
        "project": project_id,
        "generated_at": timezone.now().isoformat(),
        "gold_items": len(frames.gold_items),
        "gold_shapes": len(frames.gold),
        "iou_thresholds": {str(k): v for k, v in thresholds.items()},
        "rows": rows,
    }


def qa_csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(QA_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row[k]) for k in QA_COLUMNS})
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a '."""
    return "" if value is None else formula_safe(value)
