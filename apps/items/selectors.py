from __future__ import annotations

from django.db.models import QuerySet

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
