"""Reads for pre-labeling: which items, which prompt boxes, who may prompt, what was flagged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.annotations.models import Annotation, GeometryType, Source
from apps.items.models import Item, Video
from apps.jobs.models import Job
from apps.prelabel.conf import JOB_KINDS, VIDEO_JOB_KIND, prelabel_config
from apps.prelabel.models import PrelabelItem, VideoReviewFlag
from apps.projects.models import Annotator
from apps.workflow.models import Assignment, AssignmentStatus
from labelqc.prelabel import Prompt

# Gold answers do not count: a honeypot must look like regular work, pre-label included.
LABELED_SOURCES = (Source.HUMAN, Source.CONSENSUS)


def selected_item_ids(
    *, project_id: int, selection: str, item_ids: Iterable[int] = ()
) -> list[int]:
    """Item ids of a selection: "ids" (those of `item_ids` in the project), "unlabeled" (no
    human or consensus annotation; gold items count as unlabeled, so honeypots are pre-labeled
    like regular items, though never from human or consensus boxes) or "all"."""
    items = Item.objects.filter(project_id=project_id)
    if selection == "ids":
        items = items.filter(pk__in=list(item_ids))
    elif selection == "unlabeled":
        labeled = Annotation.objects.filter(project_id=project_id, source__in=LABELED_SOURCES)
        items = items.exclude(pk__in=labeled.values("item_id"))
    return list(items.order_by("id").values_list("pk", flat=True))


def prompt_boxes(
    *, item_ids: list[int], source: str, model_id: str = ""
) -> dict[int, list[tuple[int, Prompt]]]:
    """Box prompts per item: every box annotation of `source` (and `model_id`, if given), as
    (annotation id, Prompt carrying the annotation's class)."""
    boxes = Annotation.objects.filter(
        item_id__in=item_ids, source=source, geometry_type=GeometryType.BOX
    )
    if model_id:
        boxes = boxes.filter(model_id=model_id)
    prompts: dict[int, list[tuple[int, Prompt]]] = defaultdict(list)
    rows = boxes.order_by("id").values_list("pk", "item_id", "label_class_id", "x", "y", "w", "h")
    for pk, item_id, class_id, x, y, w, h in rows:
        if None in (x, y, w, h) or w <= 0 or h <= 0:
            continue
        prompts[item_id].append((pk, Prompt(box_xywh=(x, y, w, h), class_id=class_id)))
    return dict(prompts)


def existing_prelabel_keys(*, item_id: int, model_id: str) -> set[object]:
    """Prompt keys (prompt annotation id, or "auto") already pre-labeled by `model_id` on the item."""
    attributes = Annotation.objects.filter(
        item_id=item_id, source=Source.PRELABEL, model_id=model_id, geometry_type=GeometryType.MASK
    ).values_list("attributes", flat=True)
    return {(a or {}).get("prompt_annotation") or "auto" for a in attributes if isinstance(a, dict)}


def holds_lease(*, member: Annotator | None, item_id: int) -> bool:
    """True when the annotator works on the item now: an unexpired lease, or rework."""
    if member is None:
        return False
    held = Q(status=AssignmentStatus.LEASED, lease_expires_at__gt=timezone.now()) | Q(
        status=AssignmentStatus.REWORK
    )
    return Assignment.objects.filter(held, annotator=member, item_id=item_id).exists()


def video_frames(video: Video) -> list[Item]:
    """The video's frames in frame order."""
    return list(Item.objects.filter(video=video).order_by("frame_index"))


def prelabel_jobs(*, project_id: int) -> QuerySet[Job]:
    return Job.objects.filter(project_id=project_id, kind__in=JOB_KINDS).order_by("-id")


def job_items(*, job_id: int, status: str | None = None) -> QuerySet[PrelabelItem]:
    rows = PrelabelItem.objects.filter(job_id=job_id)
    return rows.filter(status=status) if status else rows.order_by("id")


def review_flags(*, video: Video, job_id: int | None = None) -> QuerySet[VideoReviewFlag]:
    """Flags of one propagation job (default: the video's latest finished one)."""
    if job_id is None:
        job_id = (
            Job.objects.filter(kind=VIDEO_JOB_KIND, params__video=video.pk, status="succeeded")
            .order_by("-id")
            .values_list("pk", flat=True)
            .first()
        )
    return VideoReviewFlag.objects.filter(video=video, job_id=job_id).order_by(
        "track_id", "frame_index"
    )


def backend_summary() -> dict[str, Any]:
    """Which pre-labeling backend this deployment runs, and what it can do."""
    config = prelabel_config()
    sam2 = config.backend_name == "sam2"
    note = (
        f"SAM 2.1 hiera-{config.size} from the configured checkpoint"
        if sam2
        else "no SAM 2 checkpoint configured: box prompts are segmented with OpenCV "
        "GrabCut; no automatic masks, no video propagation"
    )
    return {
        "backend": config.backend_name,
        "model": config.config_name if sam2 else None,
        "video": sam2,
        "automatic_masks": sam2,
        "note": note,
    }
