"""Image pre-labeling jobs: start (rows per item), then run in batches with claim-a-row.

A job owns one `PrelabelItem` row per selected item. The run claims the job (apps.jobs), then
each row (pending -> running by a conditional UPDATE), so a redelivered message or a re-run
never pre-labels an item twice; a row's annotations and its "done" status are written in one
transaction. Pre-labels from the same model for the same prompt box are never written twice,
even by a later job. One unreadable image fails its row only; a storage error (OSError) puts
the row (and the rows of its batch not yet written) and the job back to pending and propagates,
so the task retries.

Claimed rows are predicted in batches: up to the backend's `batch_size` items go to one
`predict_many` call (SAM 2: several images per `set_image_batch` on the GPU; the size is
`sam2.batch_size` in configs/sam2.yaml, by default 8 on CUDA and 1 on CPU). A backend without
`predict_many` (GrabCut), or a batch size of 1, predicts item by item with `predict`. When a
batch call fails, its items are predicted one by one, so a bad item still fails only its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction

from apps.audit.services import audit, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.items.models import Item
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import (
    job_claim,
    job_create,
    job_finish,
    job_is_cancelled,
    job_release,
    job_set_backend,
)
from apps.prelabel import selectors
from apps.prelabel.backends import BackendConfigError, configured_backend_name, using
from apps.prelabel.conf import GRABCUT, IMAGE_JOB_KIND, SAM2
from apps.prelabel.images import ItemImageError, load_item_rgb
from apps.prelabel.models import PrelabelItem, PrelabelItemStatus
from apps.prelabel.services import image_job_rows as job_rows
from apps.prelabel.services.records import mask_record, uncertainty_attributes, write_prelabels
from apps.projects.models import LabelClass
from labelqc.prelabel import PrelabelError, PrelabelResult, aggregate_item, image_sha256

AUTOMATIC = "none"


def _check_class(project_id: int, label_class: int | None) -> None:
    if (
        label_class is not None
        and not LabelClass.objects.filter(project_id=project_id, pk=label_class).exists()
    ):
        raise ServiceValidationError(f"class {label_class} is not in this project", "label_class")


def prelabel_job_start(
    *,
    actor: Any,
    project_id: int,
    selection: str,
    item_ids: list[int],
    prompt_source: str,
    prompt_model_id: str,
    automatic: bool | None,
    label_class: int | None,
    reason: str = "",
) -> Job:
    """Validate the request, create the job and its item rows, enqueue the run on commit."""
    backend = configured_backend_name()
    _check_class(project_id, label_class)
    if automatic is None:
        automatic = label_class is not None
    automatic = automatic or prompt_source == AUTOMATIC
    if prompt_source == AUTOMATIC and backend == GRABCUT:
        raise ServiceValidationError(
            "automatic masks need a SAM 2 checkpoint (LABELQC_SAM2_CHECKPOINT); the GrabCut "
            "fallback needs box prompts: name a prompt source",
            "prompt_source",
        )
    if automatic and backend == SAM2 and label_class is None:
        raise ServiceValidationError(
            "automatic masks carry no class: name the class to assign", "label_class"
        )
    ids = selectors.selected_item_ids(project_id=project_id, selection=selection, item_ids=item_ids)
    if selection == "ids":
        unknown = sorted(set(item_ids) - set(ids))
        if unknown:
            raise ServiceValidationError(
                f"items {unknown[:10]} are not in this project", "item_ids"
            )
    if not ids:
        raise ServiceValidationError("no items match this selection", "selection")
    params = {
        "selection": selection,
        "prompt_source": prompt_source,
        "prompt_model_id": prompt_model_id,
        "automatic": automatic and backend == SAM2,
        "label_class": label_class,
        "reason": reason,
    }
    with transaction.atomic():
        job = job_create(
            kind=IMAGE_JOB_KIND, project_id=project_id, actor=actor, params=params, total=len(ids)
        )
        job.backend = backend
        job.save(update_fields=["backend"])
        PrelabelItem.objects.bulk_create(
            [PrelabelItem(job=job, project_id=project_id, item_id=pk) for pk in ids],
            batch_size=2000,
        )
        audit(
            actor=actor,
            project_id=project_id,
            action="prelabel.job_start",
            entity=job,
            after=snapshot(job),
            reason=reason,
        )
        job_send_on_commit(job)
    return job


@dataclass
class _Prepared:
    """A claimed row whose image is loaded and whose prompt boxes are known."""

    row_id: int
    item_id: int
    sha256: str
    rgb: np.ndarray
    entries: list


def batch_size_of(backend: Any) -> int:
    """Items per prediction call: the backend's `batch_size` when it has `predict_many`, else 1."""
    if not callable(getattr(backend, "predict_many", None)):
        return 1
    return max(1, int(getattr(backend, "batch_size", None) or 1))


def prelabel_job_run(job_id: int) -> None:
    job = job_claim(job_id)
    if job is None:
        return  # another run has it, or it is finished or cancelled
    # rows left "running" belong to a run that died: their writes were rolled back
    PrelabelItem.objects.filter(job_id=job_id, status=PrelabelItemStatus.RUNNING).update(
        status=PrelabelItemStatus.PENDING
    )
    rows = list(
        PrelabelItem.objects.filter(job_id=job_id, status=PrelabelItemStatus.PENDING)
        .order_by("id")
        .values_list("pk", "item_id")
    )
    batch: list[_Prepared] = []
    size: int | None = None
    try:
        for row_id, item_id in rows:
            if job_is_cancelled(job_id):
                job_rows.release_rows([p.row_id for p in batch])
                return
            if not PrelabelItem.objects.filter(pk=row_id, status=PrelabelItemStatus.PENDING).update(
                status=PrelabelItemStatus.RUNNING
            ):
                continue
            try:
                prepared = _prepare_item(job, row_id, item_id)
            except OSError:  # storage (StorageError) or local disk: the rows go back
                job_rows.release_rows([*(p.row_id for p in batch), row_id])
                raise
            if prepared is None:
                job_rows.progress(job_id)  # skipped or failed without a prediction
                continue
            batch.append(prepared)
            if size is None:
                with using("image") as backend:
                    size = batch_size_of(backend)
            if len(batch) >= size:
                _predict_batch(job, batch)
                batch = []
        if batch:
            _predict_batch(job, batch)
    except BackendConfigError as error:
        PrelabelItem.objects.filter(job_id=job_id, status=PrelabelItemStatus.RUNNING).update(
            status=PrelabelItemStatus.PENDING
        )
        job_finish(job_id, errors=[{"field": error.field, "messages": [str(error)]}], failed=True)
        return
    except OSError:  # retried by the task: give the job back so the retry can claim it
        job_release(job_id)
        raise
    job_rows.finish(job_id)


def _prepare_item(job: Job, row_id: int, item_id: int) -> _Prepared | None:
    """Prompts and pixels of a claimed row; None when the row was closed (skipped / failed)."""
    params = job.params
    item = Item.objects.get(pk=item_id)
    if item.is_gold and params["prompt_source"] in selectors.LABELED_SOURCES:
        # Drafts from other annotators' boxes on a honeypot would hand the next annotator their
        # answers and skew the gold score; detector prompts and automatic masks are fine.
        reason = f"gold item: {params['prompt_source']} boxes there are annotators' answers"
        job_rows.close_row(row_id, PrelabelItemStatus.SKIPPED, reason)
        return None
    entries: list = []
    if params["prompt_source"] != AUTOMATIC:
        entries = selectors.prompt_boxes(
            item_ids=[item_id],
            source=params["prompt_source"],
            model_id=params.get("prompt_model_id") or "",
        ).get(item_id, [])
    if not entries and not params["automatic"]:
        reason = f"no {params['prompt_source']} boxes to prompt with"
        if configured_backend_name() == GRABCUT:
            reason += " (GrabCut has no automatic mode)"
        job_rows.close_row(row_id, PrelabelItemStatus.SKIPPED, reason)
        return None
    try:
        rgb = load_item_rgb(item)
    except ItemImageError as error:
        job_rows.close_row(row_id, PrelabelItemStatus.FAILED, str(error))
        return None
    return _Prepared(row_id, item_id, item.sha256 or "", rgb, entries)


def _predict_batch(job: Job, batch: list[_Prepared]) -> None:
    """Predict the batch's rows under the backend lock, then write each row's pre-labels.

    An OSError (storage, the embedding cache's disk) puts the rows not yet written back to
    pending before it propagates.
    """
    try:
        _predict_and_store(job, batch)
    except OSError:
        job_rows.release_rows([p.row_id for p in batch])
        raise


def _predict_and_store(job: Job, batch: list[_Prepared]) -> None:
    outcomes: list[tuple[_Prepared, list, list[PrelabelResult]]] = []
    with using("image") as backend:
        job_set_backend(job.pk, backend.name)
        describe = {"backend": backend.name, "model_id": backend.model_id}
        work: list[tuple[_Prepared, list]] = []
        for prepared in batch:
            done_keys = selectors.existing_prelabel_keys(
                item_id=prepared.item_id, model_id=backend.model_id
            )
            todo = [(key, prompt) for key, prompt in prepared.entries if key not in done_keys]
            if (prepared.entries and not todo) or (not prepared.entries and "auto" in done_keys):
                job_rows.close_row(
                    prepared.row_id,
                    PrelabelItemStatus.DONE,
                    "already pre-labeled by this model",
                    **describe,
                )
                continue
            work.append((prepared, todo))
        results = _predict(backend, work)
        for (prepared, todo), result in zip(work, results, strict=True):
            if isinstance(result, Exception):
                job_rows.close_row(
                    prepared.row_id,
                    PrelabelItemStatus.FAILED,
                    f"prediction failed: {result}",
                    **describe,
                )
            else:
                outcomes.append((prepared, todo, result))
    for prepared, todo, result in outcomes:
        _store_results(job, prepared.row_id, prepared.item_id, todo, result, describe)
    for _ in batch:
        job_rows.progress(job.pk)


_PREDICTION_ERRORS = (PrelabelError, ValueError, RuntimeError)


def _predict(backend: Any, work: list[tuple[_Prepared, list]]) -> list[Any]:
    """One result list (or the exception that item raised) per work entry, in order."""
    prompts = [[prompt for _, prompt in todo] for _, todo in work]
    if len(work) > 1 and batch_size_of(backend) > 1:
        try:
            return backend.predict_many(
                [p.rgb for p, _ in work],
                prompts,
                image_sha256s=[p.sha256 or image_sha256(p.rgb) for p, _ in work],
            )
        except _PREDICTION_ERRORS:
            pass  # predict one by one below: only the bad item fails its row
    outputs: list[Any] = []
    for (prepared, _), item_prompts in zip(work, prompts, strict=True):
        try:
            outputs.append(
                backend.predict(prepared.rgb, item_prompts, image_sha256=prepared.sha256 or None)
            )
        except _PREDICTION_ERRORS as error:
            outputs.append(error)
    return outputs


def _store_results(
    job: Job,
    row_id: int,
    item_id: int,
    todo: list,
    results: list[PrelabelResult],
    describe: dict[str, str],
) -> None:
    records = []
    for result in results:
        prompt_key = (
            todo[result.prompt_index][0] if result.prompt_index is not None and todo else None
        )
        class_id = result.class_id if result.class_id is not None else job.params["label_class"]
        if result.area <= 0 or class_id is None:
            continue  # an empty mask is no pre-label (the validator refuses it too)
        attributes = {
            **uncertainty_attributes(result.uncertainty, result.predicted_iou),
            "backend": result.backend,
            "prelabel_job": job.pk,
            "prompt_annotation": prompt_key,
        }
        records.append(
            mask_record(
                item_id=item_id,
                class_id=class_id,
                rle=result.rle,
                score=result.score,
                model_id=result.model_id,
                attributes=attributes,
            )
        )
    summary = aggregate_item(results)
    detail = ""
    if summary.max is None:
        reasons = sorted({r.uncertainty.reason for r in results if r.uncertainty.reason})
        detail = "; ".join([summary.reason or "", *reasons]).strip("; ")
    try:
        with transaction.atomic():
            created = write_prelabels(
                actor=job.created_by,
                project_id=job.project_id,
                records=records,
                reason=f"pre-labeling job {job.pk}",
            )
            job_rows.close_row(
                row_id,
                PrelabelItemStatus.DONE,
                detail,
                n_prompts=len(todo),
                n_masks=len(created),
                uncertainty_max=summary.max,
                uncertainty_mean=summary.mean,
                annotation_ids=[a.pk for a in created],
                **describe,
            )
    except ServiceValidationError as error:
        job_rows.close_row(
            row_id, PrelabelItemStatus.FAILED, f"invalid pre-label: {error.errors}", **describe
        )
