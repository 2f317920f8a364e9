"""Importing an annotation file: parse with the pure reader, map to the project, write atomically.

A job row carries the request (options and the stored upload's path); the run claims it, reads
the file with `labelqc.formats` (progress reported to the job), maps images to items, category
names to classes and annotator names to memberships, and writes every annotation through
`annotations_bulk_create` inside one transaction together with any classes or members it had
to create and the job's success. Any problem fails the job with errors naming the file, record
and field, and nothing is written.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.annotations.models import Source
from apps.annotations.services import annotations_bulk_create, validate_records
from apps.audit.services import audit
from apps.common.exceptions import ServiceValidationError
from apps.common.roles import Role
from apps.interop import selectors
from apps.interop.conf import IMPORT_KIND, job_dir, max_import_bytes, safe_file_name
from apps.interop.mapping import ImportFailed, ImportPlan, plan_import, problems_of
from apps.interop.sources import (
    DOCUMENT,
    ImportSource,
    open_source,
    remove_leftover_extractions,
)
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import job_claim, job_create, job_finish, job_lock_running, job_progress
from labelqc.formats import (
    Dataset,
    FormatError,
    read_coco,
    read_cvat,
    read_label_studio,
    read_voc,
    read_yolo,
)

logger = logging.getLogger("labelqc.interop")

Progress = Callable[[str, int, int], None]
WRITE_BATCH = 5000
MAX_ERRORS = 1000
_RECORD_KEY = re.compile(r"^annotations\[(\d+)\]\.?(.*)$")


@dataclass(frozen=True)
class ImportOptions:
    format: str
    create_missing_classes: bool = False
    create_missing_annotators: bool = False
    match_images_by: str = "file_name"
    source: str = Source.HUMAN
    annotator: str = ""
    reason: str = ""
    allow_duplicate: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ImportOptions:
        return cls(**{k: params[k] for k in cls.__dataclass_fields__ if k in params})


class DuplicateImport(Exception):
    """The project already has an import of this very file (same SHA-256)."""

    def __init__(self, earlier: Job) -> None:
        self.earlier_id = earlier.pk
        self.earlier_status = earlier.status
        super().__init__(
            f"this file (same SHA-256) was already imported into the project by import job "
            f"{earlier.pk} ({earlier.status}); set allow_duplicate to import it again"
        )


def sha256_of(chunks: Iterable[bytes]) -> str:
    """Hex SHA-256 of a file read in chunks: the import's fingerprint within its project."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _file_chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def import_start(*, actor: Any, project_id: int, upload: Any, options: ImportOptions) -> Job:
    """Store the upload under MEDIA_ROOT/jobs/<id>/ and queue its import (202 + job).

    Raises DuplicateImport when the project has an import of the same file (succeeded, or
    still queued or running) unless ``options.allow_duplicate``.
    """
    cap = max_import_bytes()
    if upload.size > cap:
        raise ServiceValidationError(f"{upload.size} bytes is over the {cap}-byte cap", "file")
    name = safe_file_name(upload.name)
    digest = sha256_of(upload.chunks())
    earlier = selectors.identical_import(project_id=project_id, sha256=digest)
    if earlier is not None and not options.allow_duplicate:
        raise DuplicateImport(earlier)
    with transaction.atomic():
        job = job_create(
            kind=IMPORT_KIND,
            project_id=project_id,
            actor=actor,
            params={**asdict(options), "file_name": name, "sha256": digest},
        )
        folder = job_dir(job.pk)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / name).open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        job.params["path"] = str((folder / name).relative_to(settings.MEDIA_ROOT))
        job.save(update_fields=["params"])
        audit(
            actor=actor,
            project_id=project_id,
            action="interop.import.request",
            entity=job,
            after=job.params,
            reason=options.reason,
        )
        job_send_on_commit(job)
    return job


def import_local(
    *, actor: Any, project_id: int, path: Path, options: ImportOptions, progress: Progress | None
) -> Job:
    """The management command's way: a job row for the record, run here and now.

    A file (not a folder) gets its SHA-256 recorded, so repeating an import fails the job
    naming the earlier one unless ``options.allow_duplicate``.
    """
    params = {**asdict(options), "file_name": path.name, "local_path": str(path.resolve())}
    if path.is_file():
        params["sha256"] = sha256_of(_file_chunks(path))
    job = job_create(kind=IMPORT_KIND, project_id=project_id, actor=actor, params=params)
    audit(
        actor=actor,
        project_id=project_id,
        action="interop.import.request",
        entity=job,
        after=job.params,
        reason=options.reason,
    )
    import_job_run(job.pk, progress=progress)
    return Job.objects.get(pk=job.pk)


def import_job_run(job_id: int, progress: Progress | None = None) -> None:
    job = job_claim(job_id)
    if job is None:
        return
    params = job.params
    name = params.get("file_name", "upload")

    def report(stage: str, done: int, total: int) -> None:
        job_progress(job_id, done=done, total=total)
        if progress is not None:
            progress(stage, done, total)

    try:
        path = Path(params["local_path"]) if "local_path" in params else None
        path = path or Path(settings.MEDIA_ROOT) / params["path"]
        import_dataset(
            job=job,
            path=path,
            name=name,
            options=ImportOptions.from_params(params),
            progress=report,
        )
    except ImportFailed as exc:
        job_finish(job_id, errors=exc.errors[:MAX_ERRORS], failed=True)
    except Exception as exc:  # a bug must still end the job, not leave it running
        logger.exception("import job %s failed", job_id)
        error = {"file": name, "record": "", "field": "internal", "message": repr(exc)[:500]}
        job_finish(job_id, errors=[error], failed=True)


def read_dataset(
    source: ImportSource,
    fmt: str,
    *,
    image_sizes: dict[str, tuple[int, int]],
    max_bytes: int,
    progress: Callable[[int, int], None],
) -> Dataset:
    """Read ``source`` as ``fmt``; a zipped document streams from its zip, open for the read."""
    common: dict[str, Any] = {"max_bytes": max_bytes, "progress": progress}
    if fmt in ("coco", "cvat", "label_studio"):
        with source.reading() as document:
            if fmt == "coco":
                return read_coco(document, name=source.name, **common)
            if fmt == "cvat":
                return read_cvat(document, name=source.name, **common)
            return read_label_studio(document, name=source.name, image_sizes=image_sizes, **common)
    if fmt == "voc":
        tree = source.tree if source.tree is not None else source.document
        return read_voc(tree, name=source.name, **common)  # type: ignore[arg-type]
    if fmt == "yolo":
        return read_yolo(source.tree, image_sizes=image_sizes, **common)  # type: ignore[arg-type]
    raise ValueError(f"unknown format {fmt!r}")


def import_dataset(
    *, job: Job, path: Path, name: str, options: ImportOptions, progress: Progress
) -> dict[str, Any]:
    """Read, map and write one file; raises ImportFailed (nothing written) on any problem."""
    project_id = job.project_id
    assert project_id is not None
    _refuse_duplicate(job, name, options)
    items = selectors.item_frame(project_id=project_id)
    # A zip is extracted beside the stored upload (a local file's folder may not be ours).
    scratch = None if "local_path" in job.params else path.parent
    if scratch is not None and (removed := remove_leftover_extractions(scratch)):
        logger.warning("import job %s: removed %s extraction(s) of a killed run", job.pk, removed)
    with ExitStack() as opened:  # the zip's extracted files are removed on leaving, or failing
        try:
            source = opened.enter_context(
                open_source(
                    path,
                    name=name,
                    fmt=options.format,
                    max_bytes=max_import_bytes(),
                    scratch=scratch,
                )
            )
            dataset = read_dataset(
                source,
                options.format,
                image_sizes=selectors.image_sizes_by_basename(items),
                max_bytes=max_import_bytes(),
                progress=lambda done, total: progress("read", done, total),
            )
        except FormatError as exc:
            raise ImportFailed(problems_of(exc, name)) from exc
        plan = plan_import(
            dataset, source=source, items=items, project_id=project_id, options=options
        )
    with transaction.atomic():
        if not job_lock_running(job.pk):
            return {}  # cancelled meanwhile: write nothing
        _refuse_duplicate(job, name, options)  # an identical import finished meanwhile
        plan.create_classes_and_members(actor=job.created_by, project_id=project_id)
        created = _write(
            plan, job=job, project_id=project_id, reason=options.reason, progress=progress
        )
        result = plan.summary(created=created, file=source.name, fmt=options.format)
        audit(
            actor=job.created_by,
            project_id=project_id,
            action="interop.import",
            entity=job,
            after=result,
            reason=options.reason,
        )
        job_finish(job.pk, result=result)
    return result


def _refuse_duplicate(job: Job, name: str, options: ImportOptions) -> None:
    """ImportFailed naming the earlier import of the same file, unless duplicates are allowed."""
    digest = job.params.get("sha256")
    if not digest or options.allow_duplicate:
        return
    assert job.project_id is not None
    earlier = selectors.identical_import(project_id=job.project_id, sha256=digest, job_id=job.pk)
    if earlier is not None:
        message = str(DuplicateImport(earlier))
        raise ImportFailed(
            [{"file": name, "record": DOCUMENT, "field": "file", "message": message}]
        )


def _write(plan: ImportPlan, *, job: Job, project_id: int, reason: str, progress: Progress) -> int:
    """All records through annotations_bulk_create (in batches, inside the caller's atomic)."""
    records = plan.records()
    errors: list[dict[str, str]] = []
    created = 0
    progress("write", 0, len(records))
    for start in range(0, len(records), WRITE_BATCH):
        batch = records[start : start + WRITE_BATCH]
        try:
            if errors:  # already failing: only collect the remaining problems
                validate_records(project_id=project_id, records=batch, role=Role.ADMIN, member=None)
            else:
                created += len(
                    annotations_bulk_create(
                        actor=job.created_by,
                        project_id=project_id,
                        records=batch,
                        role=Role.ADMIN,
                        member=None,
                        reason=reason or f"import job {job.pk}",
                    )
                )
        except ServiceValidationError as exc:
            errors += _service_errors(exc.errors, plan, offset=start)
        if len(errors) >= MAX_ERRORS:
            break
        progress("write", min(start + WRITE_BATCH, len(records)), len(records))
    if errors:
        raise ImportFailed(errors)
    return created


def _service_errors(
    errors: dict[str, list[str]], plan: ImportPlan, *, offset: int
) -> list[dict[str, str]]:
    out = []
    for key, messages in errors.items():
        match = _RECORD_KEY.match(key)
        record = plan.origin(offset + int(match.group(1))) if match else "annotations"
        field = match.group(2) if match else key
        out += [
            {"file": plan.file, "record": record, "field": field, "message": str(m)}
            for m in messages
        ]
    return out
