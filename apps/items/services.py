"""Registering items: uploaded images (checked with Pillow) or URIs with known sizes."""

from __future__ import annotations

import hashlib
import mimetypes
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from apps.audit.services import audit, audited_change, snapshot
from apps.common.exceptions import ServiceValidationError
from apps.items.models import Item, Video


class ImageFacts(NamedTuple):
    width: int
    height: int
    extension: str  # of the format Pillow decoded, never the client's file name's


def read_upload(upload: Any, *, field: str = "file") -> bytes:
    """An uploaded image's bytes, refused (400 naming `field`) past LABELQC_MAX_UPLOAD_BYTES:
    it is decoded in memory, and the request-size cap does not bound file parts."""
    limit = settings.LABELQC_MAX_UPLOAD_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ServiceValidationError(
            f"the file has {size} bytes, more than the {limit} allowed", field=field
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceValidationError(
            f"the file is larger than the {limit} bytes allowed", field=field
        )
    return data


def inspect_image(data: bytes, *, field: str = "file") -> ImageFacts:
    """Size and format of an image Pillow can fully decode, under the pixel cap."""
    max_pixels = settings.LABELQC_MAX_IMAGE_PIXELS
    try:
        with Image.open(_bytes_io(data)) as probe:
            width, height = probe.size
            mime = Image.MIME.get(probe.format or "", "")
            if width * height > max_pixels:
                raise ServiceValidationError(
                    f"image has {width * height} pixels, more than the {max_pixels} allowed",
                    field=field,
                )
            probe.verify()
        # verify() leaves the image unusable and skips pixel data; decode once for truncation.
        with Image.open(_bytes_io(data)) as image:
            image.load()
    except ServiceValidationError:
        raise
    except Image.DecompressionBombError as exc:
        raise ServiceValidationError(
            f"image rejected as a decompression bomb: {exc}", field=field
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ServiceValidationError(f"not a readable image: {exc}", field=field) from exc
    # the stored file is served under its extension's type: an image type, whatever the upload
    # was called (a GIF named x.html must not come back as HTML)
    extension = (mimetypes.guess_extension(mime) or ".img").lstrip(".") if mime else "img"
    return ImageFacts(int(width), int(height), extension)


def _bytes_io(data: bytes) -> IO[bytes]:
    import io

    return io.BytesIO(data)


def _video_frame(project_id: int, video_name: str | None, frame_index: int | None) -> Video | None:
    if video_name is None and frame_index is None:
        return None
    if not video_name or frame_index is None:
        raise ServiceValidationError("video and frame_index go together", field="frame_index")
    video, _ = Video.objects.get_or_create(project_id=project_id, name=video_name)
    if Item.objects.filter(video=video, frame_index=frame_index).exists():
        raise ServiceValidationError(
            "this video already has a frame at that index", field="frame_index"
        )
    return video


@transaction.atomic
def item_create_from_upload(
    *,
    actor: Any,
    project_id: int,
    upload: Any,
    scene_tags: list[str] | None = None,
    is_gold: bool = False,
    video: str | None = None,
    frame_index: int | None = None,
) -> Item:
    data = read_upload(upload)
    if not data:
        raise ServiceValidationError("the file is empty", field="file")
    width, height, extension = inspect_image(data)
    sha256 = hashlib.sha256(data).hexdigest()
    item = Item(
        project_id=project_id,
        width=width,
        height=height,
        sha256=sha256,
        file_name=getattr(upload, "name", "") or "",
        scene_tags=scene_tags or [],
        is_gold=is_gold,
        video=_video_frame(project_id, video, frame_index),
        frame_index=frame_index,
    )
    item.file.save(f"{sha256}.{extension}", ContentFile(data), save=False)
    item.save()
    audit(
        actor=actor, project_id=project_id, action="item.create", entity=item, after=snapshot(item)
    )
    return item


@transaction.atomic
def item_register_uri(
    *,
    actor: Any,
    project_id: int,
    uri: str,
    width: int,
    height: int,
    sha256: str = "",
    file_name: str = "",
    scene_tags: list[str] | None = None,
    is_gold: bool = False,
    video: str | None = None,
    frame_index: int | None = None,
) -> Item:
    item = Item.objects.create(
        project_id=project_id,
        uri=uri,
        width=width,
        height=height,
        sha256=sha256.lower(),
        file_name=file_name or uri.rsplit("/", 1)[-1],
        scene_tags=scene_tags or [],
        is_gold=is_gold,
        video=_video_frame(project_id, video, frame_index),
        frame_index=frame_index,
    )
    audit(
        actor=actor, project_id=project_id, action="item.create", entity=item, after=snapshot(item)
    )
    return item


@transaction.atomic
def item_update(*, actor: Any, item: Item, data: dict[str, Any]) -> Item:
    with audited_change(actor=actor, action="item.update", entity=item):
        for key in ("scene_tags", "is_gold", "priority"):
            if key in data:
                setattr(item, key, data[key])
        item.save()
        if "priority" in data:
            from apps.workflow.services.queue import set_item_priorities

            set_item_priorities(priorities={item.pk: item.priority})
    return item


@transaction.atomic
def item_delete(*, actor: Any, item: Item) -> None:
    """Delete an item with its annotations; every removed annotation is audited too."""
    from apps.annotations.models import Annotation
    from apps.annotations.services import annotation_snapshot
    from apps.audit.services import audit_many

    annotations = list(Annotation.objects.filter(item=item))
    audit_many(
        actor=actor,
        project_id=item.project_id,
        action="annotation.delete",
        entity_type="annotations.annotation",
        changes=[(a.pk, annotation_snapshot(a), None) for a in annotations],
        reason=f"item {item.pk} deleted",
    )
    audit(
        actor=actor,
        project_id=item.project_id,
        action="item.delete",
        entity=item,
        before=snapshot(item),
    )
    item.delete()
