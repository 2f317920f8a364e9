"""Video propagation: keyframe prompts tracked over a video's frames with SAM 2 (no GrabCut).

The frames are the video's items in frame order. Each tracked (object, frame) with the object
present becomes a mask pre-label on that frame's item with attributes track_id / frame_index;
occluded frames (object score <= 0) get no mask. Review flags (area jump, presence start/end,
low predicted IoU) are stored as `VideoReviewFlag` rows and listed in the job result. The whole
outcome is written in one transaction with the job's success, so a re-run never duplicates it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction

from apps.audit.services import audit, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.items.models import Video
from apps.jobs.dispatch import job_send_on_commit
from apps.jobs.models import Job
from apps.jobs.services import (
    JobNoLongerRunning,
    job_claim,
    job_create,
    job_finish,
    job_lock_running,
    job_progress,
    job_release,
    job_set_backend,
)
from apps.prelabel import selectors
from apps.prelabel.backends import (
    BackendConfigError,
    VideoUnavailable,
    configured_backend_name,
    using,
)
from apps.prelabel.conf import SAM2, VIDEO_JOB_KIND
from apps.prelabel.images import ItemImageError, StorageError, load_item_rgb
from apps.prelabel.models import VideoReviewFlag
from apps.prelabel.services.prompting import prompt_from_request
from apps.prelabel.services.records import (
    mask_record,
    uncertainty_attributes,
    unit_or_none,
    write_prelabels,
)
from apps.projects.models import LabelClass
from labelqc.prelabel import PrelabelError, Prompt, VideoFrameResult, VideoPrompt

MAX_LISTED_FLAGS = 500
PROGRESS_REPORTS = 100  # per video: progress is visible without a write per frame


def _validated_prompts(
    project_id: int, video: Video, prompts: list[dict[str, Any]], label_class: int | None
) -> list[dict[str, Any]]:
    frames = {frame.frame_index: frame for frame in selectors.video_frames(video)}
    if not frames:
        raise ServiceValidationError("the video has no frames", "video")
    classes = set(LabelClass.objects.filter(project_id=project_id).values_list("pk", flat=True))
    if label_class is not None and label_class not in classes:
        raise ServiceValidationError(f"class {label_class} is not in this project", "label_class")
    errors: dict[str, list[str]] = {}
    validated, class_of_object = [], {}
    for index, entry in enumerate(prompts):
        where = f"prompts[{index}]."
        frame = frames.get(entry["frame_index"])
        class_id = entry.get("label_class") or label_class
        if frame is None:
            errors[where + "frame_index"] = [f"the video has no frame {entry['frame_index']}"]
            continue
        if class_id is None or class_id not in classes:
            errors[where + "label_class"] = ["name a class of this project (here or for all)"]
            continue
        if class_of_object.setdefault(entry["object"], class_id) != class_id:
            errors[where + "label_class"] = [f"object {entry['object']} has another class"]
            continue
        try:
            prompt_from_request(
                points=entry.get("points") or [],
                labels=entry.get("labels") or [],
                box=entry.get("box"),
                width=frame.width,
                height=frame.height,
                prefix=where,
            )
        except ServiceValidationError as error:
            errors.update(error.errors)
            continue
        validated.append({**entry, "label_class": class_id})
    if errors:
        raise ServiceValidationError(errors)
    return validated


def video_propagation_start(
    *,
    actor: Any,
    project_id: int,
    video: Video,
    prompts: list[dict[str, Any]],
    label_class: int | None,
    reason: str = "",
) -> Job:
    """Check the prompts against the frames, create the job, enqueue it on commit.

    Raises VideoUnavailable without a SAM 2 checkpoint (the API answers 409).
    """
    if configured_backend_name() != SAM2:
        raise VideoUnavailable(VideoUnavailable.message)
    validated = _validated_prompts(project_id, video, prompts, label_class)
    params = {"video": video.pk, "prompts": validated, "reason": reason}
    with transaction.atomic():
        job = job_create(
            kind=VIDEO_JOB_KIND,
            project_id=project_id,
            actor=actor,
            params=params,
            total=video.frames.count(),
        )
        job.backend = SAM2
        job.save(update_fields=["backend"])
        audit(
            actor=actor,
            project_id=project_id,
            action="prelabel.video_start",
            entity=job,
            after=snapshot(job),
            reason=reason,
        )
        job_send_on_commit(job)
    return job


def _fail(job_id: int, field: str, message: str) -> None:
    job_finish(job_id, errors=[{"field": field, "messages": [message]}], failed=True)


def video_job_run(job_id: int) -> None:
    job = job_claim(job_id)
    if job is None:
        return
    video = Video.objects.get(pk=job.params["video"])
    frames = selectors.video_frames(video)
    try:
        pixels = [load_item_rgb(frame) for frame in frames]
    except ItemImageError as error:
        return _fail(job_id, "frames", str(error))
    except StorageError:
        job_release(job_id)
        raise
    shapes = {array.shape for array in pixels}
    if len(shapes) != 1:
        return _fail(job_id, "frames", f"frames differ in size: {sorted(shapes)}")
    position = {frame.frame_index: index for index, frame in enumerate(frames)}
    video_prompts = [
        VideoPrompt(
            position[entry["frame_index"]],
            obj_id=int(entry["object"]),
            prompt=Prompt(
                box_xywh=tuple(entry["box"]) if entry.get("box") else None,
                points_xy=tuple(tuple(p) for p in entry.get("points") or []),
                point_labels=tuple(entry.get("labels") or []),
                class_id=entry["label_class"],
            ),
        )
        for entry in job.params["prompts"]
    ]
    from labelqc.prelabel import propagate_video

    try:
        with using("video") as backend:
            job_set_backend(job_id, backend.name)
            results = propagate_video(backend, pixels, video_prompts, _reporter(job_id))
    except JobNoLongerRunning:
        return  # cancelled while propagating: the rest of the video is not tracked
    except (VideoUnavailable, BackendConfigError) as error:
        return _fail(job_id, BackendConfigError.field, str(error))
    except (PrelabelError, ValueError, RuntimeError) as error:
        return _fail(job_id, "prompts", f"propagation failed: {error}")
    _write_outcome(job, video, frames, results)


def _reporter(job_id: int) -> Callable[[int, int], None]:
    """Progress about a hundred times per video; stops the propagation once the job is
    cancelled."""

    def report(done: int, total: int) -> None:
        step = max(1, total // PROGRESS_REPORTS)
        if (done % step == 0 or done == total) and not job_progress(job_id, done=done):
            raise JobNoLongerRunning(job_id)

    return report


def _write_outcome(job: Job, video: Video, frames: list, results: list[VideoFrameResult]) -> None:
    records, keys = [], []
    for result in results:
        if result.occluded or result.rle is None or result.area <= 0:
            continue
        attributes = {
            **uncertainty_attributes(result.uncertainty, result.predicted_iou),
            "backend": result.backend,
            "prelabel_job": job.pk,
            "track_id": result.obj_id,
            "frame_index": frames[result.frame_index].frame_index,
            "review_flags": list(result.flags),
        }
        records.append(
            mask_record(
                item_id=frames[result.frame_index].pk,
                class_id=result.class_id,  # type: ignore[arg-type]
                rle=result.rle,
                score=result.score,
                model_id=result.model_id,
                attributes=attributes,
            )
        )
        keys.append((result.obj_id, result.frame_index))
    try:
        with transaction.atomic():
            if not job_lock_running(job.pk):
                return  # cancelled while propagating: nothing is written
            created = write_prelabels(
                actor=job.created_by,
                project_id=job.project_id,
                records=records,
                reason=f"video propagation job {job.pk}",
            )
            annotation_of = dict(zip(keys, (a.pk for a in created), strict=True))
            flags = [
                VideoReviewFlag(
                    job=job,
                    project_id=job.project_id,
                    video=video,
                    item=frames[r.frame_index],
                    frame_index=frames[r.frame_index].frame_index,
                    track_id=r.obj_id,
                    flags=list(r.flags),
                    occluded=r.occluded,
                    area=r.area,
                    predicted_iou=unit_or_none(r.predicted_iou),
                    uncertainty=unit_or_none(r.uncertainty.combined),
                    annotation_id=annotation_of.get((r.obj_id, r.frame_index)),
                )
                for r in results
                if r.flags
            ]
            VideoReviewFlag.objects.bulk_create(flags, batch_size=2000)
            job_finish(job.pk, result=_summary(results, flags, len(created), len(frames)))
            Job.objects.filter(pk=job.pk).update(progress_done=len(frames))
    except ServiceValidationError as error:
        job_finish(
            job.pk,
            errors=[{"field": k, "messages": v} for k, v in error.errors.items()],
            failed=True,
        )


def _summary(
    results: list[VideoFrameResult], flags: list[VideoReviewFlag], masks: int, n_frames: int
) -> dict[str, Any]:
    counts = Counter(flag for row in flags for flag in row.flags)
    return {
        "backend": results[0].backend if results else "",
        "model_id": results[0].model_id if results else "",
        "frames": n_frames,
        "tracks": sorted({r.obj_id for r in results}),
        "masks_created": masks,
        "occluded": sum(1 for r in results if r.occluded),
        "flag_counts": dict(sorted(counts.items())),
        "review_flags": [
            {
                "item": row.item_id,
                "frame_index": row.frame_index,
                "track_id": row.track_id,
                "flags": row.flags,
                "occluded": row.occluded,
            }
            for row in flags[:MAX_LISTED_FLAGS]
        ],
    }
