from __future__ import annotations

import mimetypes

from django.db.models import QuerySet
from django.http import FileResponse, Http404

from apps.items.models import Item


def items_of(
    *,
    project_id: int,
    is_gold: bool | None = None,
    scene_tag: str | None = None,
    video: int | None = None,
    sha256: str | None = None,
) -> QuerySet[Item]:
    query = Item.objects.filter(project_id=project_id)
    if is_gold is not None:
        query = query.filter(is_gold=is_gold)
    if video is not None:
        query = query.filter(video_id=video)
    if sha256:
        query = query.filter(sha256=sha256.lower())
    if scene_tag:
        # JSON containment is not portable to SQLite; filter the (small) tag lists in Python there.
        from django.db import connection

        if connection.vendor == "postgresql":
            query = query.filter(scene_tags__contains=[scene_tag])
        else:
            ids = [
                pk
                for pk, tags in query.values_list("pk", "scene_tags")
                if scene_tag in (tags or [])
            ]
            query = query.filter(pk__in=ids)
    return query.order_by("id")


def stored_image_response(item: Item) -> FileResponse:
    """The item's stored file, served only ever as an image: a stored name whose type is not an
    image (files kept before uploads were named by their decoded format) is sent as a download,
    and the browser may neither sniff another type nor run anything in it."""
    if not item.file:
        raise Http404("this item has no stored file")
    content_type = mimetypes.guess_type(item.file.name)[0] or ""
    is_image = content_type.startswith("image/") and content_type != "image/svg+xml"
    response = FileResponse(
        item.file.open("rb"),
        content_type=content_type if is_image else "application/octet-stream",
        as_attachment=not is_image,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
